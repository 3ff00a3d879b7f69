"""The scorer: one checkpoint read once, the same score for an image in memory or on disk."""

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from cxrqa.models import CaHDCRGA, load_checkpoint, save_checkpoint
from cxrqa.scoring import TILES_PER_PASS, InputSpec, InputSpecError, Scorer, load_image, standardise

TINY = {
    "stem_channels": 4, "hc_channels": (8, 8, 16, 16), "sip_channels": 8, "fc_hidden": 8,
    "unet_channels": (4, 4, 8), "train_size": (64, 64),
}  # fmt: skip


def save_model(path: Path, spec: InputSpec | dict, **config) -> Path:
    torch.manual_seed(0)
    entry = spec.to_dict() if isinstance(spec, InputSpec) else spec
    return save_checkpoint(path, CaHDCRGA(**{**TINY, **config}), {}, entry, {"dimension": "sharpness"})


@pytest.fixture(scope="module")
def processed(tmp_path_factory):
    """Three 16-bit images of 96 x 80 with their 8-bit ROI masks, as the preprocess stage writes them."""
    root = tmp_path_factory.mktemp("processed")
    (root / "images").mkdir()
    (root / "rois").mkdir()
    rng = np.random.default_rng(0)
    for index in range(3):
        Image.fromarray((rng.random((96, 80)) * 65535).astype(np.uint16)).save(root / "images" / f"I{index}.png")
        roi = np.zeros((96, 80), np.uint8)
        roi[10 + 10 * index : 60, 5:70] = 255
        Image.fromarray(roi).save(root / "rois" / f"I{index}.png")
    return root


def pngs(folder: Path, sub: str) -> list[np.ndarray]:
    return [np.asarray(Image.open(path)) for path in sorted((folder / sub).glob("*.png"))]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    return save_model(tmp_path_factory.mktemp("whole") / "best.pt", InputSpec((64, 64), "whole", "fixed"))


@pytest.fixture(scope="module")
def patch_roi(tmp_path_factory):
    return save_model(tmp_path_factory.mktemp("patch") / "best.pt", InputSpec((64, 64), "patch", "local", "roi"))


@pytest.fixture(scope="module")
def whole_detail(tmp_path_factory):
    return save_model(tmp_path_factory.mktemp("detail") / "best.pt", InputSpec((64, 64), detail_channel=True), in_chans=2)


@pytest.mark.parametrize("model", ["whole", "patch_roi", "whole_detail"])
def test_images_in_memory_score_as_their_files(model, processed, request):
    scorer = Scorer(request.getfixturevalue(model), device="cpu")
    paths = sorted((processed / "images").glob("*.png"))
    from_files = scorer.score_files(paths).scores
    values, rois = pngs(processed, "images"), pngs(processed, "rois")
    from_values = scorer.score(values, rois).scores
    from_display = scorer.score([v.astype(np.float32) / 65535.0 for v in values], [r > 0 for r in rois]).scores
    from_tensors = scorer.score([load_image(p) for p in paths], [torch.from_numpy(r / 255.0) for r in rois]).scores
    assert from_files.shape == (3,) and np.isfinite(from_files).all()
    for other in (from_values, from_display, from_tensors):
        np.testing.assert_array_equal(other, from_files)


def test_a_path_and_a_loaded_checkpoint_score_alike_and_the_checkpoint_is_left_untouched(whole, processed):
    paths = sorted((processed / "images").glob("*.png"))
    checkpoint = load_checkpoint(whole)
    before = {name: value.clone() for name, value in checkpoint.model.state_dict().items()}
    from_loaded = Scorer(checkpoint, device="cpu").score_files(paths).scores
    np.testing.assert_array_equal(Scorer(whole, device="cpu").score_files(paths).scores, from_loaded)
    conv = checkpoint.model.stem.conv_in.weight
    assert conv.is_contiguous()  # not moved to channels-last by the scorer
    assert all(torch.equal(value, before[name]) for name, value in checkpoint.model.state_dict().items())


def test_batches_of_images_and_the_reported_inputs_per_pass(whole, patch_roi, processed):
    values = pngs(processed, "images")
    one, three = Scorer(whole, batch_size=1), Scorer(whole, batch_size=3)
    assert (one.batch_size, three.batch_size) == (1, 3)
    np.testing.assert_allclose(three.score(values).scores, one.score(values).scores, rtol=1e-5)
    assert Scorer(patch_roi, batch_size=3).batch_size == TILES_PER_PASS  # tiles of one image per pass


def test_the_spec_sets_the_model_view(whole, patch_roi, processed):
    image = pngs(processed, "images")[0]
    assert Scorer(whole).model_view(image).shape == (1, 64, 64)  # resized by area
    assert Scorer(patch_roi).model_view(image).shape == (1, 96, 80)  # tiled at full resolution


def test_attention_maps_cover_the_model_view(whole, processed, tmp_path):
    scorer = Scorer(whole)
    attention = scorer.attention(pngs(processed, "images")[0])
    assert attention.shape == (64, 64) and 0.0 <= attention.min() <= attention.max() <= 1.0
    plain = Scorer(save_model(tmp_path / "plain.pt", InputSpec((64, 64)), use_attention=False))
    assert not plain.has_attention and plain.attention(pngs(processed, "images")[0]) is None


def test_a_roi_weighted_model_needs_rois_of_the_image_shape(patch_roi, processed):
    scorer = Scorer(patch_roi)
    image = pngs(processed, "images")[0]
    with pytest.raises(ValueError, match="pass the images' ROI masks"):
        scorer.score([image])
    with pytest.raises(ValueError, match="ROI mask of shape"):
        scorer.score([image], [np.ones((64, 64), bool)])
    with pytest.raises(ValueError, match="shorter"):
        scorer.score([image, image], [np.ones(image.shape, bool)])


def test_batch_size_must_be_positive(whole):
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        Scorer(whole, batch_size=0)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.full((96, 80), 1.5, np.float32), r"in \[0, 1\]"),
        (np.full((96, 80), np.nan), r"in \[0, 1\]"),
        (np.zeros((96, 80, 3), np.uint8), "H x W or 1 x H x W"),
    ],
)
def test_images_that_are_not_preprocessed_images_are_refused(whole, image, message):
    with pytest.raises(ValueError, match=message):
        Scorer(whole).score([image])


def test_a_checkpoint_with_a_malformed_spec_is_refused_naming_it(tmp_path):
    path = save_model(tmp_path / "best.pt", {"input_size": [64, 64], "standardise": "per_image"})
    with pytest.raises(InputSpecError, match=f"^{path}: unknown key"):
        Scorer(path)


def test_the_scorer_reports_its_device_and_dimension(whole):
    scorer = Scorer(whole, device="cpu")
    assert (scorer.device, scorer.dimension) == ("cpu", "sharpness")


def test_a_detail_model_scores_from_the_full_resolution_image(whole_detail, processed):
    scorer = Scorer(whole_detail, device="cpu")
    image = pngs(processed, "images")[0]
    inputs = scorer.spec.network_input(load_image(processed / "images" / "I0.png", None))
    with torch.inference_mode():
        expected = float(scorer.checkpoint.model(inputs[None]).score[0])
    assert scorer.score([image]).scores[0] == pytest.approx(expected, abs=1e-4)
    assert scorer.attention(image).shape == (64, 64)


def test_a_checkpoint_whose_channels_do_not_match_its_preprocessing_is_refused(tmp_path):
    path = save_model(tmp_path / "best.pt", InputSpec((64, 64), detail_channel=True))  # a 1-channel network
    with pytest.raises(InputSpecError, match="takes 1 input channel"):
        Scorer(path, device="cpu")


def test_a_model_with_overlapping_tiles_scores_the_roi_weighted_mean_of_those_tiles(processed, tmp_path):
    spec = InputSpec((64, 64), "patch", "local", "roi", tile_overlap=(0.75, 0.75))
    scorer = Scorer(save_model(tmp_path / "best.pt", spec), device="cpu")
    assert scorer.spec.tile_step == (16, 16)
    image = load_image(processed / "images" / "I0.png")
    roi = load_image(processed / "rois" / "I0.png")
    # tiles start at rows 0, 16, 32 and columns 0, 16 (abutting tiles would start at rows 0, 32)
    corners = [(top, left) for top in (0, 16, 32) for left in (0, 16)]
    tiles = torch.stack([standardise(image, "local")[:, t : t + 64, l : l + 64] for t, l in corners])
    shares = torch.tensor([float(roi[0, t : t + 64, l : l + 64].mean()) for t, l in corners])
    with torch.inference_mode():
        tile_scores = scorer.checkpoint.model(tiles).score.float()
    expected = float((tile_scores * shares).sum() / shares.sum())
    assert scorer.score_files([processed / "images" / "I0.png"]).scores[0] == pytest.approx(expected, abs=1e-4)
