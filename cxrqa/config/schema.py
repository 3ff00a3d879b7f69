"""Typed, frozen parameter sections of ``params.yaml``.

One frozen dataclass per top-level section. :func:`cxrqa.config.load_section` builds them with the
strict checks of :mod:`cxrqa.config.loader`. Cross-field rules live in each class's ``validate``
and raise ``ValueError`` with the dotted key in the message. No field has a default: every key is
spelt out in the parameter file, and a command run without one reads the packaged defaults file
(:data:`cxrqa.config.PACKAGED_DEFAULTS`), so the values live in YAML only.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Literal

#: Per-image error a dimension trains on (``train.<dimension>.loss``; :class:`cxrqa.models.CaHDCLoss`).
LossKind = Literal["l_alpha", "mse"]


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


@dataclass(frozen=True)
class LossParams:
    """Training loss of CaHDC-RGA shared by both dimensions (``model.loss``; :class:`cxrqa.models.losses.CaHDCLoss`).

    Which per-image error a dimension trains on is its own key, ``train.<dimension>.loss``
    (:class:`DimensionTrainParams`).

    Attributes
    ----------
    alpha : float
        Exponent of L_alpha (paper: 1); read when a dimension's ``loss`` is ``l_alpha``.
    aux_weight : float
        Weight b_i of each side score's term (paper: 0.1; 0 disables).
    roi_weight : float
        Weight of the term pulling the attention map towards the ROI masks (0 disables).
    """

    alpha: float
    aux_weight: float
    roi_weight: float

    def validate(self) -> None:
        if self.aux_weight < 0 or self.roi_weight < 0:
            raise ValueError(
                "'model.loss.aux_weight' and 'model.loss.roi_weight' must be 0 or more, "
                f"got {self.aux_weight} and {self.roi_weight}"
            )


@dataclass(frozen=True)
class OptimParams:
    """Adam and the learning-rate schedule (``model.optim``; :mod:`cxrqa.models.schedule`).

    The rate at step t is ``max(base_lr * decay ** (t / decay_steps), min_lr)`` (paper, Eq. 3).

    Attributes
    ----------
    base_lr, min_lr : float
        alpha_0 and alpha_m (paper: 1e-3 and 3e-5).
    decay : float
        d (paper: 0.8).
    decay_steps : float
        Steps per factor d (paper: 100, from its ``d^(0.01 t)``).
    beta1, beta2, eps : float
        Adam settings (paper: 0.9, 0.999, 1e-8).
    weight_decay : float
        L2 penalty of Adam (not in the paper: 0).
    """

    base_lr: float
    min_lr: float
    decay: float
    decay_steps: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float

    def validate(self) -> None:
        if not 0 < self.min_lr <= self.base_lr:
            raise ValueError(
                f"'model.optim' needs 0 < min_lr <= base_lr, got {self.min_lr} and {self.base_lr}"
            )
        if not 0 < self.decay <= 1 or self.decay_steps <= 0:
            raise ValueError(
                f"'model.optim.decay' must lie in (0, 1] and 'model.optim.decay_steps' be positive, "
                f"got {self.decay} and {self.decay_steps}"
            )
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1) or self.eps <= 0 or self.weight_decay < 0:
            raise ValueError("'model.optim': betas must lie in [0, 1), eps be positive, weight_decay >= 0")


@dataclass(frozen=True)
class ModelParams:
    """CaHDC-RGA architecture, loss and optimiser (section ``model``; DESIGN §4).

    Attributes
    ----------
    stem_channels : int
        Filters of the five ResNet convolutions (paper: 32).
    hc_channels : tuple of int
        Filters of the four HCNet convolutions (paper: 64, 128, 256, 512).
    sip_channels : int
        SiPNet channels, the length of each pooled vector (paper: 64).
    fc_hidden : int
        Width of FC5 (paper: 128).
    unet_channels : tuple of int
        Widths of the three UNet levels (not given by the paper).
    train_size : tuple of int
        ``[height, width]`` of the training inputs (patches); fixes each SiPNet's depth R.
    use_attention : bool
        Build the UNet attention (false: ablation).
    attention_mode : {"residual", "multiply"}
        Apply the map as ``Oi * (1 + a)`` or ``Oi * a``.
    sip_pooling : {"max", "mean"}
        Global pooling of the SiPNets (paper: max).
    loss : LossParams
    optim : OptimParams

    The score layers' initial bias is not a parameter: training starts it at the training split's
    mean MOS (:func:`cxrqa.train.loop.train_dimension`).
    """

    stem_channels: int
    hc_channels: tuple[int, int, int, int]
    sip_channels: int
    fc_hidden: int
    unet_channels: tuple[int, int, int]
    train_size: tuple[int, int]
    use_attention: bool
    attention_mode: Literal["residual", "multiply"]
    sip_pooling: Literal["max", "mean"]
    loss: LossParams
    optim: OptimParams

    def validate(self) -> None:
        channels = (self.stem_channels, self.sip_channels, self.fc_hidden, *self.hc_channels, *self.unet_channels)
        if min(channels) < 1:
            raise ValueError(f"'model' channel counts must be at least 1, got {channels}")
        if min(self.train_size) < 64:
            raise ValueError(f"'model.train_size' must be at least 64 pixels a side, got {self.train_size}")
        if self.loss.roi_weight > 0 and not self.use_attention:
            raise ValueError("'model.loss.roi_weight' > 0 needs 'model.use_attention: true'")


@dataclass(frozen=True)
class PreprocessParams:
    """Decoding, diagnostic-region crop and resizing (stage ``preprocess``; DESIGN §3).

    Attributes
    ----------
    height, width : int
        Size of the model input in pixels (paper: 768 x 512, H x W).
    aspect : {"stretch", "expand"}
        ``stretch`` resizes the crop box to height x width whatever its shape (as the paper's
        resize did); ``expand`` first grows the box, within the image, to the output's aspect ratio.
    resample : {"area", "lanczos", "bilinear"}
        Interpolation of the image (anti-aliased in every case); ROI masks always use area.
    voi : {"header", "auto"}
        ``header`` applies the file's VOI LUT or window; ``auto`` windows the 0.1-99.9 percentile range.
    modalities : list of str
        Accepted DICOM Modality values; other modalities are recorded as errors.
    min_size : int
        Smallest accepted image side in pixels; at least 64, the smallest input side the model
        scores (``cxrqa.models.cahdc_rga.MIN_INPUT_SIDE``).
    margin_lateral, margin_top, margin_bottom : float
        Crop margins around the lungs' bounding box, as fractions of its width or height.
    work_size : int
        Long side of the working grid the lungs are found on.
    png_compress_level : int
        zlib level of the written PNGs (0-9; 1 is fast and near the best size for radiographs).
    workers : int
        Worker processes (0 = one per CPU core).
    max_pixels : int
        Most pixels (rows x columns) a file may claim; more is recorded as ``too_large`` before
        anything is decoded.
    file_timeout_s : float
        Seconds one file may take in a worker before the worker is stopped (``timeout``).
    file_memory_mb : int
        MiB of memory one worker may add while it reads a file (``out_of_memory`` beyond).
    """

    height: int
    width: int
    aspect: Literal["stretch", "expand"]
    resample: Literal["area", "lanczos", "bilinear"]
    voi: Literal["header", "auto"]
    modalities: tuple[str, ...]
    min_size: int
    margin_lateral: float
    margin_top: float
    margin_bottom: float
    work_size: int
    png_compress_level: int
    workers: int
    max_pixels: int
    file_timeout_s: float
    file_memory_mb: int

    def validate(self) -> None:
        if self.height < 32 or self.width < 32:
            raise ValueError(
                f"'preprocess.height' and 'preprocess.width' must be at least 32, got {self.height}x{self.width}"
            )
        for name in ("margin_lateral", "margin_top", "margin_bottom"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"'preprocess.{name}' must lie in [0, 1], got {getattr(self, name)}")
        if self.min_size < 64:  # cxrqa.models.cahdc_rga.MIN_INPUT_SIDE (not imported: it needs torch)
            raise ValueError(
                f"'preprocess.min_size' must be at least 64, the smallest image side the model scores, "
                f"got {self.min_size}"
            )
        if self.work_size < 64:
            raise ValueError(f"'preprocess.work_size' must be at least 64, got {self.work_size}")
        if not 0 <= self.png_compress_level <= 9:
            raise ValueError(f"'preprocess.png_compress_level' must lie in 0..9, got {self.png_compress_level}")
        if self.workers < 0:
            raise ValueError(f"'preprocess.workers' must be 0 or more, got {self.workers}")
        for name in ("max_pixels", "file_timeout_s", "file_memory_mb"):
            if getattr(self, name) <= 0:
                raise ValueError(f"'preprocess.{name}' must be positive, got {getattr(self, name)}")


@dataclass(frozen=True)
class SplitParams:
    """Test/training/validation split (stage ``split``; :mod:`cxrqa.preprocess.split`).

    The three counts are those of the paper for its 1138 images; for another number of images they
    are scaled proportionally (largest remainders, so they add up), see
    :func:`cxrqa.preprocess.split.split_sizes`.

    Attributes
    ----------
    seed : int
        Seed of the shuffles.
    n_test, n_train, n_val : int
        Split sizes for ``n_test + n_train + n_val`` images (paper: 105, 826, 207).
    strata : int
        Number of quality strata (quantiles of the readers' mean score; 3 = tertiles).
    """

    seed: int
    n_test: int
    n_train: int
    n_val: int
    strata: int

    def validate(self) -> None:
        if min(self.n_test, self.n_train, self.n_val) < 0 or self.n_test + self.n_train + self.n_val < 1:
            raise ValueError(
                "'split.n_test', 'split.n_train' and 'split.n_val' must be 0 or more and not all 0, "
                f"got {self.n_test}, {self.n_train}, {self.n_val}"
            )
        if self.strata < 1:
            raise ValueError(f"'split.strata' must be at least 1, got {self.strata}")


#: The dimensions with a subsection in ``train`` (the fields of :class:`TrainParams`).
TRAINED_DIMENSIONS: tuple[str, ...] = ("gray_level", "sharpness")


@dataclass(frozen=True)
class DimensionTrainParams:
    """What one dimension's model is trained on and for how long (``train.<dimension>``).

    Only ``train@<dimension>`` reads its subsection, so a change here retrains that dimension
    alone (``dvc.yaml`` and :func:`cxrqa.train.loop.run_key` see only this subsection).

    Attributes
    ----------
    epochs : int
        Passes over the training split.
    input : {"whole", "patch"}
        ``whole``: images resized to ``model.train_size``; ``patch``: random ``model.train_size``
        patches of the full-resolution image, an image scored as the mean over the tiles that
        cover it (:mod:`cxrqa.scoring.tiles`).
    standardisation : {"fixed", "per_image", "local"}
        ``fixed`` maps display values to [-1, 1] (absolute gray levels kept); ``per_image`` gives
        each image zero mean and unit SD; ``local`` is a local contrast normalisation
        (:func:`cxrqa.scoring.standardise`).
    batch_norm : bool
        Train with a BatchNorm after every convolution, folded into the convolutions when saved
        (:mod:`cxrqa.train.batchnorm`; not in the paper).
    patch_sampling : {"uniform", "roi"}
        With ``patch`` input: training patches drawn uniformly, or in proportion to the share of
        the lung ROI they cover, and tiles then weighted by that share when an image is scored.
        Unused with ``whole`` input.
    tile_overlap : tuple of float
        With ``patch`` input: how far neighbouring tiles overlap when an image is scored (and
        validated), as ``(rows, columns)`` shares of a tile's height and width in [0, 1); ``0``
        tiles abut (:func:`cxrqa.scoring.tile_step`). Unused with ``whole`` input.
    patches_per_image : int
        With ``patch`` input: patches drawn from each image of a mini-batch; the image's score in
        the loss is their mean, as at scoring time (Bosse et al. 2018). ``train.batch_size``
        counts images, so a step sees ``batch_size * patches_per_image`` patches. Unused with
        ``whole`` input.
    loss : {"l_alpha", "mse"}
        Per-image error of the score and side scores: the paper's L_alpha,
        ``(s - MOS)^2 / MOS^alpha`` with ``model.loss.alpha``, or plain squared error.
    detail_channel : bool
        With ``whole`` input: a second input channel holding the fine detail and noise of the
        full-resolution image, which resizing averages away (:func:`cxrqa.scoring.detail_map`;
        not in the paper). Must be false with ``patch`` input.
    validate_every : int
        Validate the weights (and keep them when they beat the best so far) after every
        ``validate_every``-th epoch and after the last one. A patch model is validated on every
        tile of every validation image, which costs about as much as an epoch of training.
    """

    epochs: int
    input: Literal["whole", "patch"]
    standardisation: Literal["fixed", "per_image", "local"]
    batch_norm: bool
    patch_sampling: Literal["uniform", "roi"]
    tile_overlap: tuple[float, float]
    patches_per_image: int
    loss: LossKind
    detail_channel: bool
    validate_every: int


@dataclass(frozen=True)
class TrainParams:
    """Training of one model per dimension (stage ``train@<dimension>``; :mod:`cxrqa.train`).

    The keys directly under ``train`` are shared by both dimensions; each dimension's own settings
    are its subsection (:class:`DimensionTrainParams`), read with :meth:`for_dimension`.

    Attributes
    ----------
    seed : int
        Seeds weight initialisation, batch order and flips.
    batch_size : int
        Images per mini-batch.
    hflip : bool
        Flip half of the images left-right (quality does not depend on laterality).
    device : {"auto", "cpu", "cuda"}
        ``auto``: CUDA with bf16 autocast when present, else the CPU.
    num_threads : int
        CPU threads for torch (0 = torch's default).
    ema_decay : float
        Decay of the exponential moving average of the weights that is validated and kept
        (:mod:`cxrqa.train.ema`); 0 validates and keeps the raw weights.
    calibration : {"none", "linear"}
        ``linear``: equate each epoch's validation scores to the validation MOS (same mean and
        SD) and keep the map in the checkpoint (:mod:`cxrqa.train.calibration`).
    gray_level, sharpness : DimensionTrainParams
        Each dimension's own settings (``train.gray_level``, ``train.sharpness``).

    Examples
    --------
    >>> from cxrqa.config import load_section
    >>> train = load_section(None, "train")
    >>> train.for_dimension("sharpness").input
    'patch'
    >>> train.with_dimension("sharpness", epochs=2).sharpness.epochs
    2
    """

    seed: int
    batch_size: int
    hflip: bool
    device: Literal["auto", "cpu", "cuda"]
    num_threads: int
    ema_decay: float
    calibration: Literal["none", "linear"]
    gray_level: DimensionTrainParams
    sharpness: DimensionTrainParams

    def validate(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"'train.batch_size' must be at least 1, got {self.batch_size}")
        if self.num_threads < 0:
            raise ValueError(f"'train.num_threads' must be 0 or more, got {self.num_threads}")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"'train.ema_decay' must lie in [0, 1), got {self.ema_decay}")
        for dimension in TRAINED_DIMENSIONS:
            own = self.for_dimension(dimension)
            for name in ("epochs", "patches_per_image", "validate_every"):
                if getattr(own, name) < 1:
                    raise ValueError(f"'train.{dimension}.{name}' must be at least 1, got {getattr(own, name)}")
            if not all(0.0 <= share < 1.0 for share in own.tile_overlap):  # the loader has checked there are two
                raise ValueError(f"'train.{dimension}.tile_overlap' must be two shares in [0, 1) (rows, columns), got {list(own.tile_overlap)}")
            if own.detail_channel and own.input == "patch":
                raise ValueError(f"'train.{dimension}.detail_channel' needs 'input: whole' (a patch is already at full resolution)")

    def for_dimension(self, dimension: str) -> DimensionTrainParams:
        """The subsection ``train.<dimension>``.

        Raises
        ------
        ValueError
            When ``dimension`` is not one of :data:`TRAINED_DIMENSIONS`.
        """
        if dimension not in TRAINED_DIMENSIONS:
            raise ValueError(f"no training subsection for {dimension!r}; use {', '.join(TRAINED_DIMENSIONS)}")
        return getattr(self, dimension)

    def shared(self) -> dict[str, Any]:
        """The keys shared by both dimensions (every key but the subsections), by name."""
        return {
            field.name: getattr(self, field.name)
            for field in fields(self)
            if field.name not in TRAINED_DIMENSIONS
        }

    def with_dimension(self, dimension: str, **changes: Any) -> TrainParams:
        """A checked copy with ``changes`` applied to the subsection ``train.<dimension>``.

        Raises
        ------
        ValueError
            When a changed value breaks a rule of :meth:`validate`.
        """
        subsection = replace(self.for_dimension(dimension), **changes)
        changed = replace(self, **{dimension: subsection})
        changed.validate()
        return changed


@dataclass(frozen=True)
class PredictParams:
    """Scoring of the study with the trained models (stage ``predict@<dimension>``).

    Attributes
    ----------
    splits : {"test", "held_out", "all"}
        Score the test split only (the paper's analysis), the held-out splits (validation and
        test: the training report's diagnosis reads the validation split) or every split (the
        training split adds only its row of Table 4, the model's seconds per image).
    batch_size : int
        Images per forward pass.
    device : {"auto", "cpu", "cuda"}
        ``auto``: CUDA (bf16 autocast) when present, else the CPU.
    n_attention : int
        Test images whose attention overlays are saved (a fixed, seeded sample).
    seed : int
        Seed of that sample.
    """

    splits: Literal["test", "held_out", "all"]
    batch_size: int
    device: Literal["auto", "cpu", "cuda"]
    n_attention: int
    seed: int

    def validate(self) -> None:
        if self.batch_size < 1 or self.n_attention < 0:
            raise ValueError(
                f"'predict.batch_size' must be at least 1 and 'predict.n_attention' 0 or more, "
                f"got {self.batch_size} and {self.n_attention}"
            )


@dataclass(frozen=True)
class ReportParams:
    """Settings shared by the report notebooks (stages ``report@<notebook>``; :mod:`cxrqa.report`).

    The runner passes each notebook only the keys its parameters cell declares.

    Attributes
    ----------
    split : str
        Split the model is evaluated on (paper: ``test``).
    positive_class : {"acceptable", "non_acceptable"}
        Positive condition of the ROC analysis. ``acceptable`` (test positive when the score is at or
        above the cut-off) matches the paper's counts (DESIGN §5); ``non_acceptable`` (test positive
        at or below it) is the usual screening convention. AUC is the same; sensitivity and
        specificity swap.
    confidence : float
        Level of every confidence interval.
    n_resamples : int
        Bootstrap resamples (MAD).
    seed : int
        Seed of every bootstrap and of the sample-image choice.
    n_sample_images : int
        Images in the sample-image and attention-map figures.
    dpi : int
        Resolution of the PNG figures.
    n_features : int
        Single classical measures shown per dimension in the benchmark report (the best by ICC(A,1)
        on the validation split).
    """

    split: str
    positive_class: Literal["acceptable", "non_acceptable"]
    confidence: float
    n_resamples: int
    seed: int
    n_sample_images: int
    dpi: int
    n_features: int

    def validate(self) -> None:
        if not 0.5 <= self.confidence < 1.0:
            raise ValueError(f"'report.confidence' must lie in [0.5, 1), got {self.confidence}")
        if self.n_resamples < 100:
            raise ValueError(f"'report.n_resamples' must be at least 100, got {self.n_resamples}")
        if not 1 <= self.n_sample_images <= 32:
            raise ValueError(f"'report.n_sample_images' must lie in 1..32, got {self.n_sample_images}")
        if self.n_features < 1:
            raise ValueError(f"'report.n_features' must be at least 1, got {self.n_features}")
        if not 50 <= self.dpi <= 600:
            raise ValueError(f"'report.dpi' must lie in 50..600, got {self.dpi}")



@dataclass(frozen=True)
class BaselinesParams:
    """Classical no-reference baselines (stage ``baselines``; :mod:`cxrqa.baselines`).

    Attributes
    ----------
    regressors : tuple of str
        scikit-learn regressors fitted per dimension on the features: ``gradient_boosting``,
        ``random_forest``, ``ridge`` (standardised; penalty chosen on the validation split).
    n_estimators : int
        Trees per ensemble.
    ridge_alphas : tuple of float
        Candidate ridge penalties.
    brisque : bool
        Add the BRISQUE score (Mittal 2012) with the model shipped by the ``brisque`` package.
    seed : int
        ``random_state`` of the tree ensembles.
    workers : int
        Worker processes computing the features (0 = one per CPU core).
    """

    regressors: tuple[str, ...]
    n_estimators: int
    ridge_alphas: tuple[float, ...]
    brisque: bool
    seed: int
    workers: int

    def validate(self) -> None:
        known = ("gradient_boosting", "random_forest", "ridge")
        unknown = [name for name in self.regressors if name not in known]
        if unknown or not self.regressors:
            raise ValueError(
                f"'baselines.regressors' must be a non-empty list of {', '.join(known)}, got {list(self.regressors)}"
            )
        if self.n_estimators < 1:
            raise ValueError(f"'baselines.n_estimators' must be at least 1, got {self.n_estimators}")
        if not self.ridge_alphas or min(self.ridge_alphas) <= 0:
            raise ValueError(f"'baselines.ridge_alphas' must be positive numbers, got {list(self.ridge_alphas)}")
        if self.workers < 0:
            raise ValueError(f"'baselines.workers' must be 0 or more, got {self.workers}")


@dataclass(frozen=True)
class SharpnessFault:
    """A station whose films lose sharpness from one month on (``archive.fault_sharpness``).

    Attributes
    ----------
    station : int
        Index of the station (0-based, in the order sites x stations are laid out).
    onset_month : int
        First month (0-based from ``archive.start``) of the fault; it lasts to the end.
    drop : float
        Points of latent sharpness quality (1-10 scale) the films lose, as a focal-spot blur.
    """

    station: int
    onset_month: int
    drop: float


@dataclass(frozen=True)
class ExposureFault:
    """A station that underexposes for a few months (``archive.fault_underexposure``).

    Attributes
    ----------
    station : int
        Index of the station.
    onset_month : int
        First month of the fault (0-based).
    months : int
        How many months it lasts.
    drop : float
        Points of latent gray-level quality the films lose, as underexposure (quantum noise); the
        Exposure Index falls with the dose.
    """

    station: int
    onset_month: int
    months: int
    drop: float


@dataclass(frozen=True)
class SoftwareFault:
    """A software update that changes the contrast of a station's films (``archive.fault_software``).

    Attributes
    ----------
    station : int
        Index of the station.
    onset_month : int
        Month of the update (0-based); Software Versions changes with it, so the device key does.
    drop : float
        Points of latent gray-level quality the films lose, as a too-wide window (low contrast).
    """

    station: int
    onset_month: int
    drop: float


@dataclass(frozen=True)
class ArchiveParams:
    """The synthetic hospital archive the default audit runs on (stage ``archive``; DESIGN §7).

    Attributes
    ----------
    seed : int
        Seed of every random draw of the archive.
    start : str
        First day of the archive, ``YYYY-MM-DD`` (the first of a month).
    months : int
        Months the archive covers.
    sites : int
        Sites (institutions).
    stations_per_site : int
        X-ray stations per site; vendors are assigned in turn over the four of the study.
    films_per_station_month : int
        PA chest films per station and month.
    rows, cols : int
        Pixel matrix of the written films.
    lateral_fraction, non_chest_fraction, for_processing_fraction, no_view_fraction, unusable_fraction : float
        Extra files per PA film: lateral chest films, other body parts, "for processing" films,
        PA films with no View Position, and unusable files (truncated, not DICOM, CT).
    fault_sharpness, fault_underexposure, fault_software : dataclass
        The planted faults (:class:`SharpnessFault`, :class:`ExposureFault`, :class:`SoftwareFault`).
    workers : int
        Worker processes rendering films (0 = one per CPU core).
    """

    seed: int
    start: str
    months: int
    sites: int
    stations_per_site: int
    films_per_station_month: int
    rows: int
    cols: int
    lateral_fraction: float
    non_chest_fraction: float
    for_processing_fraction: float
    no_view_fraction: float
    unusable_fraction: float
    fault_sharpness: SharpnessFault
    fault_underexposure: ExposureFault
    fault_software: SoftwareFault
    workers: int

    def validate(self) -> None:
        import datetime as _dt

        try:
            start = _dt.date.fromisoformat(self.start)
        except ValueError:
            raise ValueError(f"'archive.start' must be a date YYYY-MM-DD, got {self.start!r}") from None
        if start.day != 1:
            raise ValueError(f"'archive.start' must be the first day of a month, got {self.start}")
        if self.months < 1 or self.sites < 1 or self.stations_per_site < 1 or self.films_per_station_month < 1:
            raise ValueError(
                "'archive.months', 'archive.sites', 'archive.stations_per_site' and "
                "'archive.films_per_station_month' must be at least 1"
            )
        if self.rows < 256 or self.cols < 256:
            raise ValueError(f"'archive.rows' and 'archive.cols' must be at least 256, got {self.rows}x{self.cols}")
        for name in ("lateral_fraction", "non_chest_fraction", "for_processing_fraction", "no_view_fraction",
                     "unusable_fraction"):  # fmt: skip
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"'archive.{name}' must lie in [0, 1], got {getattr(self, name)}")
        stations = self.sites * self.stations_per_site
        for name in ("fault_sharpness", "fault_underexposure", "fault_software"):
            fault = getattr(self, name)
            if not 0 <= fault.station < stations:
                raise ValueError(f"'archive.{name}.station' must lie in 0..{stations - 1}, got {fault.station}")
            if not 0 <= fault.onset_month < self.months:
                raise ValueError(f"'archive.{name}.onset_month' must lie in 0..{self.months - 1}, got {fault.onset_month}")
            if fault.drop <= 0:
                raise ValueError(f"'archive.{name}.drop' must be positive, got {fault.drop}")
        if self.fault_underexposure.months < 1:
            raise ValueError(f"'archive.fault_underexposure.months' must be at least 1, got {self.fault_underexposure.months}")
        if self.workers < 0:
            raise ValueError(f"'archive.workers' must be 0 or more, got {self.workers}")


@dataclass(frozen=True)
class Cutoffs:
    """Score at or above which a film is acceptable, per dimension (``audit.cutoff``)."""

    gray_level: float
    sharpness: float

    def validate(self) -> None:
        for name in ("gray_level", "sharpness"):
            if not 1.0 <= getattr(self, name) <= 10.0:
                raise ValueError(f"'audit.cutoff.{name}' must lie in 1..10, got {getattr(self, name)}")


@dataclass(frozen=True)
class AuditParams:
    """The archive audit (``cxrqa audit``, stage ``audit``; DESIGN §7).

    Attributes
    ----------
    shard_size : int
        Films per shard: the unit of work a Dask worker reads, scores and writes as one Parquet file.
    workers : int
        Worker processes of the embedded Dask cluster (0 = one per CPU core).
    cutoff : Cutoffs
        Acceptability cut-off of each dimension's score.
    max_requests : int
        DICOMweb requests in flight at once, over the whole cluster.
    http_retries : int
        Retries of a DICOMweb request answered 408, 429, 503 or 504 (or not answered).
    http_backoff_s : float
        Backoff factor of those retries: waits of ``backoff * 2**k`` seconds.
    allowed_failures : int
        Worker deaths a shard may cause before its films are retried one by one; a film that
        kills a worker that often on its own is recorded as ``crashed``.
    grouping : {"station", "device", "site", "vendor"}
        The report draws its control charts per group of this kind (:data:`cxrqa.audit.analysis.GROUPINGS`).
    period : {"month", "week"}
        Time bin of the report's summaries and charts.
    baseline : int or tuple of str
        The periods the control limits come from: the first N periods of the audit, or the first
        and last period label of a range (``("2025-01", "2025-03")``).
    control_limit : float
        L of the Shewhart charts, in standard errors.
    ewma_lambda, ewma_limit : float
        EWMA weight and limit width (Lucas & Saccucci 1990).
    cusum_k, cusum_h : float
        CUSUM reference value and decision interval, in standard errors.
    di_target_band, di_action_band : float
        |DI| bands: outside the target exposure, and needing action (IEC 62494-1, AAPM TG-232).
    review_z : float
        Robust z of a film's score against its device's median above which it enters the review queue.
    min_cell : int
        Group-period cells with fewer films are suppressed in the report's tables.
    review_length : int
        Films in the review queue.
    """

    shard_size: int
    workers: int
    cutoff: Cutoffs
    max_requests: int
    http_retries: int
    http_backoff_s: float
    allowed_failures: int
    grouping: Literal["station", "device", "site", "vendor"]
    period: Literal["month", "week"]
    baseline: int | tuple[str, str]
    control_limit: float
    ewma_lambda: float
    ewma_limit: float
    cusum_k: float
    cusum_h: float
    di_target_band: float
    di_action_band: float
    review_z: float
    min_cell: int
    review_length: int

    def validate(self) -> None:
        if isinstance(self.baseline, int) and self.baseline < 2:
            raise ValueError(f"'audit.baseline' must hold at least 2 periods, got {self.baseline}")
        if isinstance(self.baseline, tuple) and self.baseline[0] > self.baseline[1]:
            raise ValueError(f"'audit.baseline' must be [FIRST, LAST] in time order, got {list(self.baseline)}")
        if min(self.control_limit, self.ewma_limit, self.cusum_h, self.review_z) <= 0 or self.cusum_k < 0:
            raise ValueError("'audit.control_limit', 'ewma_limit', 'cusum_h' and 'review_z' must be positive, 'cusum_k' 0 or more")
        if not 0 < self.ewma_lambda <= 1:
            raise ValueError(f"'audit.ewma_lambda' must lie in (0, 1], got {self.ewma_lambda}")
        if not 0 < self.di_target_band <= self.di_action_band:
            raise ValueError("'audit.di_target_band' must be positive and at most 'audit.di_action_band'")
        if self.min_cell < 1 or self.review_length < 1:
            raise ValueError("'audit.min_cell' and 'audit.review_length' must be at least 1")
        if self.shard_size < 1:
            raise ValueError(f"'audit.shard_size' must be at least 1, got {self.shard_size}")
        if self.workers < 0:
            raise ValueError(f"'audit.workers' must be 0 or more, got {self.workers}")
        if self.max_requests < 1 or self.http_retries < 0 or self.http_backoff_s < 0:
            raise ValueError("'audit.max_requests' must be at least 1, 'audit.http_retries' and 'audit.http_backoff_s' 0 or more")
        if self.allowed_failures < 1:
            raise ValueError(f"'audit.allowed_failures' must be at least 1, got {self.allowed_failures}")


@dataclass(frozen=True)
class SeedSpreadParams:
    """Extra training runs that measure how much training itself varies (``seeds/dvc.yaml``).

    Attributes
    ----------
    extra_seeds : tuple of int
        ``train.seed`` of each extra run of both dimensions, besides the default model's; the test
        ICC's mean and range over all of them is ``reports/metrics/seeds.json``.
    """

    extra_seeds: tuple[int, ...]

    def validate(self) -> None:
        if not self.extra_seeds:
            raise ValueError("'seed_spread.extra_seeds' needs at least one seed")
        if len(set(self.extra_seeds)) != len(self.extra_seeds):
            raise ValueError(f"'seed_spread.extra_seeds' must be distinct, got {list(self.extra_seeds)}")


#: Schema of every section ``params.yaml`` may hold, by section name.
SECTIONS: dict[str, type] = {
    "simulate": SimulateParams,
    "model": ModelParams,
    "preprocess": PreprocessParams,
    "split": SplitParams,
    "train": TrainParams,
    "seed_spread": SeedSpreadParams,
    "predict": PredictParams,
    "report": ReportParams,
    "baselines": BaselinesParams,
    "archive": ArchiveParams,
    "audit": AuditParams,
}

