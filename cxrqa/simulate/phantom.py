"""Procedural PA chest phantom: an attenuation map with known lung masks.

The phantom is drawn in the projection domain: each pixel holds the line integral of the linear
attenuation coefficient, in units where 1.0 is a typical adult mediastinum. After the logarithmic
detector response of a processed radiograph this is what a "for presentation" PA chest image
shows: bright bone and mediastinum, dark aerated lungs, darkest air outside the body.

Anatomy (all of it varied per case from the random generator):

* body outline with neck and shoulders, soft tissue of elliptical cross-section;
* two lungs with rounded apices, sharp costophrenic angles and diaphragmatic domes, the left lung
  (image right in PA view) indented by the heart;
* mediastinum, heart, thoracic and upper lumbar spine with vertebral bodies and pedicles;
* posterior and (fainter) anterior ribs with cortical rims, clavicles, scapular edges;
* pulmonary vessel trees branching from both hila and a band-pass parenchymal texture.

The smooth components are rendered at half resolution and upsampled; fine detail (vessels, rib
cortex, texture) is rendered at full resolution so that blur degradations remain visible.

References
----------
.. [1] Segars WP et al. (2010) 4D XCAT phantom for multimodality imaging research. Med Phys
   37:4902-4915 (anatomical proportions used as a guide).
.. [2] Samei E et al. (2003) Simulation of subtle lung nodules in projection chest radiography.
   Radiology 228:76-84 (projection-domain composition of anatomy).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from cxrqa.simulate.resample import resize

__all__ = ["Phantom", "render_phantom"]


@dataclass(frozen=True)
class Phantom:
    """A rendered phantom.

    Attributes
    ----------
    attenuation : ndarray of float32, shape (rows, cols)
        Projected attenuation (0 = air).
    lung_mask : ndarray of bool, shape (rows, cols)
        Aerated lung fields, excluding the heart shadow.
    """

    attenuation: np.ndarray
    lung_mask: np.ndarray


def _smoothstep(distance: np.ndarray, width: float) -> np.ndarray:
    """1 inside (distance < 0), 0 outside, with a smooth edge of ``width``."""
    return np.clip(0.5 - distance / width, 0.0, 1.0)


def _lung_field(x, y, rng, side: int, top: float, bottom: float, centre: float, half_width: float):
    """Signed-distance-like field of one lung, negative inside (half-resolution grid).

    ``side`` is -1 for the image-left (patient's right) lung and +1 for the image-right lung.
    """
    height = bottom - top
    t = np.clip((y - top) / height, 0.0, 1.5)
    apex_round = rng.uniform(0.28, 0.42)
    lateral_reach = half_width * np.sqrt(np.clip(t / apex_round, 0.0, 1.0))
    medial_reach = half_width * np.sqrt(np.clip(t / (apex_round * 0.7), 0.0, 1.0))
    lateral_reach = lateral_reach * (1.0 + 0.08 * np.clip(t - 0.5, 0, 1))  # widest near the base
    local = (x - centre) * side  # positive towards the chest wall
    inside_lateral = local - lateral_reach
    inside_medial = -local - medial_reach
    dome_height = rng.uniform(0.045, 0.085)
    u = np.clip(local / (half_width * 1.05), -1.0, 1.0)
    diaphragm = bottom - dome_height * (1.0 - u**2) - 0.02 * (u < 0) * (1 - (u + 1) ** 2)
    inside_bottom = y - diaphragm
    inside_top = top - y
    return np.maximum(np.maximum(inside_lateral, inside_medial), np.maximum(inside_bottom, inside_top))


def _vessel_tree(rng, start, direction, length, width, depth, points, widths, side):
    """Append the sample points of a branching vessel tree (recursive, bounded depth).

    ``direction`` is measured from straight up (0) through lateral (pi/2) to straight down (pi).
    Each branch is a random walk of the heading: ``n`` steps of 0.0015 draw ``n`` normal heading
    changes at once, and its points are appended to ``points`` as one ``n x 2`` array (row, column
    coordinates), its width to ``widths`` once per point. The running sums take the branch's
    origin as their first term rather than adding it to a sum of steps; that fixes the rounding of
    every point, and with it the phantom's bytes for a seed.
    """
    n_steps = max(int(length / 0.0015), 2)
    headings = np.cumsum(np.concatenate(([float(direction)], rng.normal(0.0, 0.04, n_steps))))[1:]
    steps = 0.0015 * np.stack([-np.cos(headings), side * np.sin(headings)], axis=1)
    branch = np.cumsum(np.concatenate((np.asarray(start, dtype=np.float64)[None, :], steps)), axis=0)[1:]
    points.append(branch)
    widths.append(np.full(n_steps, width))
    if depth == 0:
        return
    for turn in (-1, 1):
        _vessel_tree(
            rng,
            branch[-1],
            headings[-1] + turn * rng.uniform(0.25, 0.6),
            length * rng.uniform(0.6, 0.8),
            width * 0.72,
            depth - 1,
            points,
            widths,
            side,
        )


def render_phantom(rows: int, cols: int, rng: np.random.Generator) -> Phantom:
    """Render one chest phantom with anatomy drawn from ``rng``.

    Parameters
    ----------
    rows, cols : int
        Output size in pixels (PA chest, portrait or near square).
    rng : numpy.random.Generator
        Source of all anatomical variation.

    Returns
    -------
    Phantom
        Attenuation map and lung mask.
    """
    half_rows, half_cols = (rows + 1) // 2, (cols + 1) // 2
    y = np.linspace(0.0, 1.0, half_rows, dtype=np.float32)[:, None]
    x = np.linspace(-1.0, 1.0, half_cols, dtype=np.float32)[None, :] * (cols / rows) / 0.85
    cx = rng.normal(0.0, 0.025)
    x_rel = x - cx

    # Body: neck above the shoulders, then a torso widening to the lower chest.
    shoulder_y = rng.uniform(0.06, 0.11)
    body_half = rng.uniform(0.80, 0.92)
    neck_half = rng.uniform(0.16, 0.22)
    rise = np.clip((y - shoulder_y + 0.04) / 0.22, 0.0, 1.0)
    half_width = neck_half + (body_half - neck_half) * np.sqrt(rise)
    half_width = half_width * (1.0 + 0.04 * np.clip(y - 0.5, 0, 1))
    body_depth = np.sqrt(np.clip(1.0 - (x_rel / half_width) ** 2, 0.0, 1.0))
    body = body_depth * _smoothstep(np.abs(x_rel) - half_width, 0.02)

    # Lungs.
    top = rng.uniform(0.09, 0.15)
    bottom = rng.uniform(0.74, 0.84)
    lung_half = rng.uniform(0.25, 0.31)
    lung_centre = rng.uniform(0.34, 0.40)
    right = _lung_field(x_rel, y, rng, -1, top, bottom - rng.uniform(0.0, 0.03), -lung_centre, lung_half)
    left = _lung_field(x_rel, y, rng, +1, top + rng.uniform(0, 0.015), bottom, lung_centre, lung_half)

    # Heart: an ellipse low and to the image right, overlapping the left lung's medial part.
    heart_cx = cx + rng.uniform(0.12, 0.20)
    heart_cy = rng.uniform(0.56, 0.64)
    heart_a, heart_b = rng.uniform(0.26, 0.34), rng.uniform(0.16, 0.21)
    heart_r = np.sqrt(((x - heart_cx) / heart_a) ** 2 + ((y - heart_cy) / heart_b) ** 2)
    heart = _smoothstep(heart_r - 1.0, 0.25)

    lungs_hr = np.minimum(right, left)
    lung_soft = _smoothstep(lungs_hr, 0.02) * (1.0 - heart)
    # Lung depth: thicker centrally, thin at the edges (air column replacing soft tissue).
    lung_depth = ndimage.gaussian_filter(lung_soft, sigma=half_rows * 0.03) * lung_soft

    mediastinum_half = 0.10 + 0.05 * np.clip((y - 0.3) / 0.4, 0, 1)
    mediastinum = _smoothstep(np.abs(x_rel) - mediastinum_half, 0.05) * (y > top - 0.05)
    abdomen = _smoothstep(-(y - bottom - 0.02), 0.06) * body_depth

    attenuation = (
        rng.uniform(1.05, 1.35) * body
        - rng.uniform(0.65, 0.85) * lung_depth
        + 0.35 * mediastinum * body_depth
        + 0.22 * heart
        + 0.30 * abdomen
    )

    # Spine: column with vertebral bodies (endplates) and pedicle ovals.
    spine_half = rng.uniform(0.05, 0.065)
    n_vertebrae = 16
    period = 0.95 / n_vertebrae
    phase = ((y - rng.uniform(0, period)) % period) / period
    endplates = 0.6 + 0.4 * np.exp(-(((phase - 0.05) / 0.06) ** 2))
    spine = _smoothstep(np.abs(x_rel) - spine_half, 0.02) * (0.28 + 0.05 * y) * endplates
    pedicles = np.exp(
        -(((np.abs(x_rel) - spine_half * 0.75) / 0.015) ** 2) - (((phase - 0.45) / 0.15) ** 2)
    )
    attenuation = attenuation + spine + 0.12 * pedicles * (y > 0.05)

    smooth = resize(attenuation, rows, cols)
    lung_full = resize(lung_soft, rows, cols)
    lung_mask = lung_full > 0.5

    detail = _render_bones(rows, cols, rng, cx, top, bottom, lung_centre, lung_half, shoulder_y)
    detail += _render_vessels(rows, cols, rng, cx, lung_centre, lung_full)
    texture = rng.standard_normal((rows // 4 + 1, cols // 4 + 1)).astype(np.float32)
    texture = ndimage.gaussian_filter(texture, 1.2)
    texture = resize(texture, rows, cols)
    detail += rng.uniform(0.025, 0.045) * texture * lung_full

    body_full = resize(body, rows, cols) > 0.05
    result = np.clip(smooth + detail * body_full, 0.0, None).astype(np.float32)
    return Phantom(attenuation=result, lung_mask=lung_mask)


def _render_bones(rows, cols, rng, cx, top, bottom, lung_centre, lung_half, shoulder_y):
    """Ribs, clavicles and scapular edges at full resolution (bands with cortical rims)."""
    out = np.zeros((rows, cols), dtype=np.float32)
    aspect = (cols / rows) / 0.85
    xs = np.linspace(-1.0, 1.0, cols, dtype=np.float32) * aspect - cx
    ys = np.linspace(0.0, 1.0, rows, dtype=np.float32)
    n_ribs = int(rng.integers(9, 11))
    spacing = (bottom - top) / (n_ribs - 0.3)
    rib_width = spacing * rng.uniform(0.40, 0.50)
    for side in (-1, 1):
        lateral = xs * side
        for k in range(n_ribs):
            y0 = top - 0.03 + k * spacing + rng.normal(0, 0.004)
            reach = lung_centre + lung_half * (1.02 + 0.1 * min(k, 4) / 4)
            # Posterior rib: leaves the spine, rises, then sweeps steeply down to the chest wall.
            u = np.clip((lateral - 0.05) / reach, 0.0, 1.0)
            centre_line = y0 - 0.03 * np.sin(np.pi * u * 0.8) + (0.06 + 0.03 * k / n_ribs) * u**3
            _add_band(out, ys, centre_line, rib_width, 0.13, (lateral > 0.04) & (lateral < reach))
            # Anterior rib: fainter, running down and medially from the chest wall.
            v = np.clip((reach - lateral) / (reach * 0.7), 0.0, 1.0)
            centre_front = y0 + 0.08 + 0.10 * v**1.2
            _add_band(
                out, ys, centre_front, rib_width * 0.75, 0.05, (lateral > reach * 0.3) & (lateral < reach)
            )
        # Clavicle: from the sternal notch up and out to the shoulder.
        u = np.clip((lateral - 0.06) / 0.55, 0.0, 1.0)
        clavicle = shoulder_y + 0.10 - 0.06 * u + 0.015 * np.sin(2 * np.pi * u)
        _add_band(out, ys, clavicle, rng.uniform(0.022, 0.03), 0.2, (lateral > 0.06) & (lateral < 0.62))
        # Scapular edge: a faint lateral density over the upper chest.
        scap_x = lung_centre + lung_half * rng.uniform(0.7, 0.95)
        scapula = np.exp(-(((lateral - scap_x) / 0.05) ** 2))[None, :] * np.exp(
            -(((ys[:, None] - (top + 0.15)) / 0.12) ** 2)
        )
        out += 0.06 * scapula
    return out


def _add_band(out, ys, centre_line, width, amplitude, columns):
    """Add a bony band around ``centre_line`` (one value per column) with denser cortical rims.

    Only the rows the band can reach are touched, which keeps rendering fast.
    """
    inside = np.flatnonzero(columns)
    if inside.size == 0:
        return
    rows = out.shape[0]
    half = width / 2
    lo = max(int((centre_line[inside].min() - half) * (rows - 1)) - 1, 0)
    hi = min(int((centre_line[inside].max() + half) * (rows - 1)) + 2, rows)
    if hi <= lo:
        return
    span = slice(inside[0], inside[-1] + 1)  # outside it the band adds zeros
    distance = np.abs(ys[lo:hi, None] - centre_line[None, span]) / half
    depth = 1.0 - distance
    body = np.clip(depth * (rows * half / 2.0), 0.0, 1.0)
    cortex = np.exp(-((depth / 0.25) ** 2)) * (depth > 0)
    out[lo:hi, span] += amplitude * (0.55 * body + 0.45 * cortex) * columns[None, span]


def _render_vessels(rows, cols, rng, cx, lung_centre, lung_full):
    """Pulmonary vessel trees from both hila, splatted and blurred by calibre, inside the lungs."""
    aspect = (cols / rows) / 0.85
    calibres = (2.2, 1.2, 0.6)  # blur sigma (pixels at 1024 rows) per calibre class
    layers = [np.zeros((rows, cols), dtype=np.float32) for _ in calibres]
    scale = rows / 1024
    for side in (-1, 1):
        hilum = (rng.uniform(0.36, 0.44), cx + side * rng.uniform(0.16, 0.22))
        for direction in np.linspace(0.15, 2.9, int(rng.integers(6, 9))):
            points, widths = [], []
            _vessel_tree(
                rng, hilum, direction + rng.normal(0, 0.15), rng.uniform(0.07, 0.11), 1.0, 5,
                points, widths, side,
            )
            pts = np.concatenate(points)
            w = np.concatenate(widths)
            r = np.clip((pts[:, 0] * (rows - 1)).astype(int), 0, rows - 1)
            c = np.clip(((pts[:, 1] / aspect + 1) / 2 * (cols - 1)).astype(int), 0, cols - 1)
            level = np.digitize(w, (0.65, 0.35))
            for index, layer in enumerate(layers):
                chosen = level == index
                np.add.at(layer, (r[chosen], c[chosen]), w[chosen])
    out = np.zeros((rows, cols), dtype=np.float32)
    for layer, sigma in zip(layers, calibres):
        out += _blur_sparse(layer, sigma * scale * 1.5) * (sigma * 1.2)
    return 1.2 * out * lung_full


#: scipy's default truncation of the Gaussian kernel, in SDs.
_GAUSSIAN_TRUNCATE = 4.0


def _blur_sparse(layer: np.ndarray, sigma: float) -> np.ndarray:
    """``ndimage.gaussian_filter(layer, sigma)`` to the bit, filtering only the box around the
    non-zero pixels that the kernel reaches.

    Outside that box the filter sums zeros. Inside it every window holds what it holds in the
    whole image: the box extends a kernel radius beyond the non-zero pixels, so the rows and
    columns that ``mode="reflect"`` mirrors in at a box edge are zeros, as the image is there,
    and where the box meets the image edge it mirrors what the image mirrors.
    """
    nonzero_rows = np.flatnonzero(layer.any(axis=1))
    if nonzero_rows.size == 0:
        return np.zeros_like(layer)
    nonzero_cols = np.flatnonzero(layer.any(axis=0))
    radius = int(_GAUSSIAN_TRUNCATE * sigma + 0.5)  # scipy's kernel radius
    top, bottom = max(nonzero_rows[0] - radius, 0), nonzero_rows[-1] + radius + 1
    left, right = max(nonzero_cols[0] - radius, 0), nonzero_cols[-1] + radius + 1
    blurred = np.zeros_like(layer)
    blurred[top:bottom, left:right] = ndimage.gaussian_filter(layer[top:bottom, left:right], sigma, truncate=_GAUSSIAN_TRUNCATE)
    return blurred

