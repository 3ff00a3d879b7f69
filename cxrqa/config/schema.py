"""Typed, frozen parameter sections of ``params.yaml``.

One frozen dataclass per top-level section. :func:`cxrqa.config.load_section` builds them with the
strict checks of :mod:`cxrqa.config.loader`. Cross-field rules live in each class's ``validate``
and raise ``ValueError`` with the dotted key in the message.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SimulateParams:
    """Parameters of the digital reader study (stage ``simulate``; DESIGN §2).

    Attributes
    ----------
    seed : int
        Seed of every random draw of the study.
    n_images : int
        Number of radiographs (the paper had 1138).
    base_images : str
        ``"builtin"`` for procedural phantoms plus variations of pydicom-data's ``RG1_UNCR.dcm``,
        or a folder of real images (PNG, JPEG, TIFF or DICOM) used as anatomy bases instead.
    phantom_fraction : float
        With ``base_images: builtin``, the share of images built on procedural phantoms; the rest
        are geometric and anatomical variations of ``RG1_UNCR.dcm``.
    rows, cols : int
        Pixel matrix of the written DICOM files.
    n_readers : int
        Readers scoring every image; the first half are radiologists, the rest radiographers.
    n_acceptability_readers : int
        Readers who also call each image acceptable or not (the majority is the reference).
    workers : int
        Worker processes used to render images (0 = one per CPU core).
    """

    seed: int
    n_images: int
    base_images: str
    phantom_fraction: float
    rows: int
    cols: int
    n_readers: int
    n_acceptability_readers: int
    workers: int

    def validate(self) -> None:
        if self.n_images < 1:
            raise ValueError(f"'simulate.n_images' must be at least 1, got {self.n_images}")
        if not 0.0 <= self.phantom_fraction <= 1.0:
            raise ValueError(
                f"'simulate.phantom_fraction' must lie in [0, 1], got {self.phantom_fraction}"
            )
        if self.rows < 256 or self.cols < 256:
            raise ValueError(
                f"'simulate.rows' and 'simulate.cols' must be at least 256, got {self.rows}x{self.cols}"
            )
        if self.n_readers < 2:
            raise ValueError(f"'simulate.n_readers' must be at least 2, got {self.n_readers}")
        if not 1 <= self.n_acceptability_readers <= self.n_readers or self.n_acceptability_readers % 2 == 0:
            raise ValueError(
                "'simulate.n_acceptability_readers' must be odd and at most 'simulate.n_readers', "
                f"got {self.n_acceptability_readers}"
            )
        if self.workers < 0:
            raise ValueError(f"'simulate.workers' must be 0 or more, got {self.workers}")


#: Schema of every section ``params.yaml`` may hold, by section name.
SECTIONS: dict[str, type] = {
    "simulate": SimulateParams,
}
