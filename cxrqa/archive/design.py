"""The archive's design: stations, planted faults and one row per file, drawn before any pixel.

Everything random about the archive except the pixels (and the degradation kinds and parameters
drawn with them) is drawn here, in one process, from the archive seed; each file gets its own
child seed (:class:`numpy.random.SeedSequence`) for its pixels, so rendering in parallel writes
the same bytes as rendering in series (as :mod:`cxrqa.simulate.study` does for the reader study).

Stations are laid out site by site; the third station of each site is a CR reader beside two DR
rooms, and vendors are assigned in turn over :data:`cxrqa.simulate.readers.VENDORS`. Each station
and month holds ``films_per_station_month`` PA chest films and, drawn from Poisson laws with the
means the fractions give, films an audit must tell apart from them: laterals, other body parts,
"for processing" films (DR rooms only: a CR reader exports no raw DX), PA films whose header lacks
View Position, and unusable files (a DICOM cut inside its Pixel Data, a text file, an empty file,
a CT slice filed among the radiographs).
"""

from __future__ import annotations

import calendar
import datetime as _dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydicom.uid import PYDICOM_ROOT_UID, generate_uid

from cxrqa.archive.exposure import EI_SPREAD
from cxrqa.config.schema import ArchiveParams
from cxrqa.simulate.readers import VENDORS

__all__ = [
    "FAULTS",
    "FILM_KINDS",
    "FULL_SIZE_KINDS",
    "RADIOGRAPH_KINDS",
    "UNUSABLE_KINDS",
    "Fault",
    "Station",
    "draw_films",
    "layout_stations",
    "month_labels",
    "plant_faults",
]

FILM_KINDS = (
    "pa_chest", "pa_no_view", "lateral", "non_chest", "for_processing",
    "unusable_truncated", "unusable_not_dicom", "unusable_empty", "ct",
)  # fmt: skip
#: Files that are not a readable radiograph, in the order they are dealt out.
UNUSABLE_KINDS = ("unusable_truncated", "unusable_not_dicom", "unusable_empty", "ct")
#: Kinds rendered as degraded radiographs (with latent quality, degradation and exposure index).
RADIOGRAPH_KINDS = ("pa_chest", "pa_no_view", "lateral", "non_chest", "for_processing", "unusable_truncated")
#: Kinds rendered at the full matrix: the PA chest films an audit scores.
FULL_SIZE_KINDS = ("pa_chest", "pa_no_view")
FAULTS = ("sharpness_drop", "underexposure", "software_update")

#: Side (pixels) at most of the films an audit never scores, rendered smaller to save time.
_EXTRA_SIDE = 512
_CT_SIDE = 256
_NON_CHEST_PARTS = ("HAND", "KNEE", "ABDOMEN", "FOOT", "PELVIS", "SHOULDER")
_PHANTOM_FRACTION = 0.75
#: Latent quality of routine films, (mean, sd) per dimension, clipped to [5, 10].
_ROUTINE_QUALITY = {"gray_level": (8.4, 0.6), "sharpness": (8.6, 0.5)}
_OPERATORS_PER_SITE = 4
#: Patients per file: some patients have several films.
_PATIENTS_PER_FILE = 0.8
#: Working hours of the studies, in seconds after midnight.
_DAY_START_S, _DAY_END_S = 7 * 3600, 19 * 3600
#: Children of the archive seed: stations, files, pixels.
_STATION_SEED, _FILM_SEED, _PIXEL_SEED = range(3)


@dataclass(frozen=True)
class Station:
    """One X-ray station of the archive.

    Attributes
    ----------
    index : int
        0-based position in the layout (sites in turn, stations within a site).
    site : str
        Institution Name, e.g. ``"Site A"``.
    site_code : str
        The site's folder and station-name prefix, e.g. ``"SITEA"``.
    name : str
        Station Name, e.g. ``"SITEA-DR1"``.
    vendor : str
        A member of :data:`cxrqa.simulate.readers.VENDORS`.
    modality : str
        ``"DX"`` or ``"CR"``.
    serial : str
        Device Serial Number.
    software_version : str
        Software Versions before any planted update.
    """

    index: int
    site: str
    site_code: str
    name: str
    vendor: str
    modality: str
    serial: str
    software_version: str


@dataclass(frozen=True)
class Fault:
    """A fault planted on one station over a run of months.

    Attributes
    ----------
    fault : str
        A member of :data:`FAULTS`.
    station : Station
    dimension : str
        ``"sharpness"`` or ``"gray_level"``: the latent quality it lowers.
    kind : str
        The degradation kind it forces on the station's films (:mod:`cxrqa.simulate.degrade`).
    onset_month : int
        First faulty month, 0-based from the archive's start.
    last_month : int or None
        Last faulty month; ``None`` when the fault lasts to the end of the archive.
    drop : float
        Points of latent quality lost (the result is clipped to at least 1).
    software_version : str or None
        Software Versions from the onset on (a software update), else ``None``.
    description : str
        One sentence for ``faults.csv``.
    """

    fault: str
    station: Station
    dimension: str
    kind: str
    onset_month: int
    last_month: int | None
    drop: float
    software_version: str | None
    description: str

    def covers(self, month: int) -> bool:
        """Whether the station's films of ``month`` (0-based) are faulty."""
        return self.onset_month <= month and (self.last_month is None or month <= self.last_month)


def _seed(params: ArchiveParams, child: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(params.seed).spawn(3)[child]


def _site_code(site: int) -> str:
    """``A``, ``B``, ... ``Z``, ``AA``, ... for the 0-based ``site``."""
    letters, number = "", site + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def month_labels(params: ArchiveParams) -> list[str]:
    """``YYYY-MM`` of each month of the archive.

    >>> from types import SimpleNamespace
    >>> month_labels(SimpleNamespace(start="2025-11-01", months=3))
    ['2025-11', '2025-12', '2026-01']
    """
    start = _dt.date.fromisoformat(params.start)
    labels = []
    for month in range(params.months):
        year, index = divmod(start.month - 1 + month, 12)
        labels.append(f"{start.year + year:04d}-{index + 1:02d}")
    return labels


def layout_stations(params: ArchiveParams) -> list[Station]:
    """The archive's stations, site by site (``sites x stations_per_site``)."""
    rng = np.random.default_rng(_seed(params, _STATION_SEED))
    stations = []
    for site in range(params.sites):
        code = _site_code(site)
        numbers = {"DX": 0, "CR": 0}
        for position in range(params.stations_per_site):
            index = len(stations)
            modality = "CR" if position % 3 == 2 else "DX"
            numbers[modality] += 1
            vendor = VENDORS[index % len(VENDORS)]
            version = f"{rng.integers(1, 4)}.{rng.integers(0, 10)}.{rng.integers(0, 6)}"
            stations.append(Station(
                index=index,
                site=f"Site {code}",
                site_code=f"SITE{code}",
                name=f"SITE{code}-{'DR' if modality == 'DX' else 'CR'}{numbers[modality]}",
                vendor=vendor,
                modality=modality,
                serial=f"{vendor[:2].upper()}{index + 1:02d}{rng.integers(0, 10000):04d}",
                software_version=version,
            ))  # fmt: skip
    return stations


def plant_faults(params: ArchiveParams, stations: list[Station]) -> list[Fault]:
    """The three planted faults of ``params`` on ``stations``.

    Raises
    ------
    ValueError
        When two faults lower the same quality of the same station in the same month (a film
        records one degradation kind per dimension).
    """
    labels = month_labels(params)
    sharp, under, soft = params.fault_sharpness, params.fault_underexposure, params.fault_software
    under_last = under.onset_month + under.months - 1
    under_last = under_last if under_last < params.months - 1 else None
    sharp_station, under_station, soft_station = (stations[f.station] for f in (sharp, under, soft))
    old_version = soft_station.software_version
    new_version = f"{int(old_version.split('.')[0]) + 1}.0.0"  # a major release
    faults = [
        Fault(
            fault="sharpness_drop", station=sharp_station, dimension="sharpness", kind="focal_blur",
            onset_month=sharp.onset_month, last_month=None, drop=sharp.drop, software_version=None,
            description=f"{sharp_station.name} loses {sharp.drop:g} points of latent sharpness from "
            f"{labels[sharp.onset_month]} on, as a focal-spot blur.",
        ),
        Fault(
            fault="underexposure", station=under_station, dimension="gray_level", kind="underexposure",
            onset_month=under.onset_month, last_month=under_last, drop=under.drop, software_version=None,
            description=f"{under_station.name} underexposes for {under.months} month(s) from "
            f"{labels[under.onset_month]}: latent gray level falls {under.drop:g} points with quantum noise, "
            "and the exposure index falls with the dose.",
        ),
        Fault(
            fault="software_update", station=soft_station, dimension="gray_level", kind="low_contrast",
            onset_month=soft.onset_month, last_month=None, drop=soft.drop, software_version=new_version,
            description=f"A software update of {soft_station.name} ({old_version} to {new_version}) in "
            f"{labels[soft.onset_month]} widens the display window: latent gray level falls {soft.drop:g} "
            "points (low contrast).",
        ),
    ]  # fmt: skip
    for i, first in enumerate(faults):
        for second in faults[i + 1 :]:
            same = first.station.index == second.station.index and first.dimension == second.dimension
            if same and any(first.covers(m) and second.covers(m) for m in range(params.months)):
                raise ValueError(
                    f"archive faults '{first.fault}' and '{second.fault}' both lower the {first.dimension} "
                    f"of station {first.station.index} in the same month"
                )
    return faults


def _software_version(station: Station, month: int, faults: list[Fault]) -> str:
    for fault in faults:
        if fault.software_version is not None and fault.station.index == station.index and month >= fault.onset_month:
            return fault.software_version
    return station.software_version


def _uid(params: ArchiveParams, number: int, part: str) -> str:
    return generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=[str(params.seed), "archive", str(number), part])


def _file_kinds(params: ArchiveParams, stations: list[Station], rng: np.random.Generator) -> list[list[list[str]]]:
    """The kinds of the files of each station and month (``[station][month]``), unordered."""
    n_pa = params.films_per_station_month
    shape = (len(stations), params.months)
    extras = {
        "pa_no_view": params.no_view_fraction,
        "lateral": params.lateral_fraction,
        "non_chest": params.non_chest_fraction,
        "for_processing": params.for_processing_fraction,
    }
    counts = {kind: rng.poisson(fraction * n_pa, shape) for kind, fraction in extras.items()}
    counts["for_processing"][[s.index for s in stations if s.modality == "CR"], :] = 0
    unusable = rng.poisson(params.unusable_fraction * n_pa, shape)
    if params.unusable_fraction > 0 and n_pa * unusable.size >= 50:
        for _ in range(len(UNUSABLE_KINDS) - int(unusable.sum())):  # at least one of each kind
            unusable[rng.integers(shape[0]), rng.integers(shape[1])] += 1
    # Dealt out in turn, then shuffled: every kind is there as soon as there are four files.
    dealt = iter(rng.permutation(np.resize(np.array(UNUSABLE_KINDS), int(unusable.sum()))).tolist())
    return [
        [
            ["pa_chest"] * n_pa
            + [kind for kind in extras for _ in range(counts[kind][s, m])]
            + [next(dealt) for _ in range(unusable[s, m])]
            for m in range(params.months)
        ]
        for s in range(len(stations))
    ]


def draw_films(
    params: ArchiveParams, stations: list[Station], faults: list[Fault], *, patient_name_prefix: str
) -> pd.DataFrame:
    """One row per file of the archive, in the order of their numbers (station, month, time).

    Parameters
    ----------
    params : ArchiveParams
        The ``archive`` section of ``params.yaml``.
    stations, faults
        From :func:`layout_stations` and :func:`plant_faults`.
    patient_name_prefix : str
        Patient Name of the films is this prefix followed by the patient's number.

    Returns
    -------
    pandas.DataFrame
        Columns ``number, file, kind, station_index, site, site_code, station, vendor, modality,
        serial, software_version, month_index, month, study_date, study_time, rows, cols,
        base_kind, latent_gray_level, latent_sharpness, fault, forced_gray_level_kind,
        forced_sharpness_kind, ei_spread, view_position, body_part, patient_name, patient_id,
        patient_birth_date, patient_sex, accession_number, operator, sop_instance_uid,
        study_instance_uid, series_instance_uid, entropy``. ``latent_*`` are NaN, the forced
        kinds ``None`` and ``view_position`` ``""`` where they do not apply; ``fault`` is ``""``
        or the names of the faults on the film joined by ``;``.
    """
    rng = np.random.default_rng(_seed(params, _FILM_SEED))
    start = _dt.date.fromisoformat(params.start)
    labels = month_labels(params)
    rows = []
    for station, station_kinds in zip(stations, _file_kinds(params, stations, rng)):
        for month, kinds in enumerate(station_kinds):
            year, month_number = map(int, labels[month].split("-"))
            days = rng.integers(1, calendar.monthrange(year, month_number)[1] + 1, len(kinds))
            seconds = rng.integers(_DAY_START_S, _DAY_END_S, len(kinds))
            for i in np.lexsort((seconds, days)):
                second = int(seconds[i])
                rows.append({
                    "kind": kinds[i],
                    "station_index": station.index, "site": station.site, "site_code": station.site_code,
                    "station": station.name, "vendor": station.vendor, "serial": station.serial,
                    "modality": _modality(kinds[i], station),
                    "software_version": _software_version(station, month, faults),
                    "month_index": month, "month": labels[month],
                    "study_date": _dt.date(year, month_number, int(days[i])).isoformat(),
                    "study_time": f"{second // 3600:02d}{second // 60 % 60:02d}{second % 60:02d}",
                })  # fmt: skip
    films = pd.DataFrame(rows)
    n = len(films)
    films.insert(0, "number", np.arange(1, n + 1))
    width = max(5, len(str(n)))
    films.insert(1, "file", [
        f"dicom/{row.site_code}/{row.station}/{row.month}/{row.number:0{width}d}.dcm" for row in films.itertuples()
    ])  # fmt: skip
    full, ct = films["kind"].isin(FULL_SIZE_KINDS), films["kind"] == "ct"
    for column, side in (("rows", params.rows), ("cols", params.cols)):
        films[column] = np.where(full, side, np.where(ct, _CT_SIDE, min(side, _EXTRA_SIDE)))
    films["base_kind"] = np.where(rng.random(n) < _PHANTOM_FRACTION, "phantom", "builtin_real")
    radiograph = films["kind"].isin(RADIOGRAPH_KINDS)
    for dimension, (mean, sd) in _ROUTINE_QUALITY.items():
        latent = np.clip(rng.normal(mean, sd, n), 5.0, 10.0)
        films[f"latent_{dimension}"] = np.where(radiograph, latent, np.nan)
    films["ei_spread"] = rng.lognormal(0.0, EI_SPREAD, n)
    films["view_position"] = np.where(
        films["kind"] == "lateral", rng.choice(("LL", "RL"), n, p=(0.8, 0.2)),
        np.where(films["kind"] == "pa_no_view", "", np.where(films["kind"] == "non_chest", "AP", "PA")),
    )  # fmt: skip
    films["body_part"] = np.where(films["kind"] == "non_chest", rng.choice(_NON_CHEST_PARTS, n), "CHEST")
    _draw_identities(films, rng, patient_name_prefix)
    for part in ("sop", "study", "series"):
        films[f"{part}_instance_uid"] = [_uid(params, number, part) for number in films["number"]]
    films["entropy"] = [
        int(child.generate_state(1, dtype=np.uint64)[0]) for child in _seed(params, _PIXEL_SEED).spawn(n)
    ]
    _apply_faults(films, faults)
    return films


def _modality(kind: str, station: Station) -> str:
    if kind == "ct":
        return "CT"
    if kind in ("unusable_not_dicom", "unusable_empty"):
        return ""
    return "DX" if kind == "for_processing" else station.modality


def _draw_identities(films: pd.DataFrame, rng: np.random.Generator, prefix: str) -> None:
    """Synthetic patients, accession numbers and radiographers: what an audit must never leak."""
    n = len(films)
    n_patients = max(1, round(_PATIENTS_PER_FILE * n))
    patient = rng.integers(0, n_patients, n)
    born = rng.integers(0, (_dt.date(2007, 1, 1) - _dt.date(1930, 1, 1)).days, n_patients)
    sex = rng.choice(("F", "M"), n_patients)
    films["patient_name"] = [f"{prefix}{p + 1}" for p in patient]
    films["patient_id"] = [f"P{p + 1:07d}" for p in patient]
    films["patient_birth_date"] = [
        (_dt.date(1930, 1, 1) + _dt.timedelta(days=int(born[p]))).strftime("%Y%m%d") for p in patient
    ]
    films["patient_sex"] = sex[patient]
    films["accession_number"] = [f"ACC{number:08d}" for number in films["number"]]
    operator = rng.integers(1, _OPERATORS_PER_SITE + 1, n)
    films["operator"] = [f"RAD^{code[4:]}{k}" for code, k in zip(films["site_code"], operator)]


def _apply_faults(films: pd.DataFrame, faults: list[Fault]) -> None:
    """Lower the latent quality of the faulty films and force their degradation kind."""
    films["fault"] = ""
    films["forced_gray_level_kind"] = None
    films["forced_sharpness_kind"] = None
    radiograph = films["kind"].isin(RADIOGRAPH_KINDS)
    for fault in faults:
        hit = radiograph & (films["station_index"] == fault.station.index) & films["month_index"].map(fault.covers)
        latent = f"latent_{fault.dimension}"
        films.loc[hit, latent] = np.maximum(films.loc[hit, latent] - fault.drop, 1.0)
        films.loc[hit, f"forced_{fault.dimension}_kind"] = fault.kind
        films.loc[hit, "fault"] = [f"{names};{fault.fault}" if names else fault.fault for names in films["fault"][hit]]
