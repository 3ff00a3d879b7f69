"""Training patches: ROI-guided sampling, patch-trained checkpoints scored with ROI-weighted tiles."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from cxrqa.models import load_checkpoint
from cxrqa.predict.predict import predict_split
from cxrqa.scoring import InputSpec, Scorer, load_image, standardise, tile, tile_weights
from cxrqa.train.data import load_image_set
from cxrqa.train.loop import train_dimension
from cxrqa.train.patches import position_weights, random_patches


def _corners(images, size, seed, sampling_rois=None, draws=40):
    """Top-left corners of ``draws`` batches of patches, found by locating the patch in its image."""
    weights = None if sampling_rois is None else position_weights(sampling_rois, size)
    generator = torch.Generator().manual_seed(seed)
    found = []
    for _ in range(draws):
        patches, _ = random_patches(images, size, generator, weights=weights)
        for image, patch in zip(images, patches):
            value = patch[0, 0, 0]
            rows, cols = torch.nonzero(image[0] == value, as_tuple=True)
            found.append((int(rows[0]), int(cols[0])))
    return found


@pytest.fixture
def numbered_images():
    """Two 96 x 80 images whose every pixel value is unique, so a patch reveals its position."""
    return torch.arange(2 * 96 * 80, dtype=torch.float32).reshape(2, 1, 96, 80)


def test_patches_cut_by_index_are_those_of_the_gathered_batch(numbered_images):
    """Cutting from the set by row index draws the same positions and values as cutting from a
    copied batch (the training loop's shortcut), and the patches are copies, not views."""
    images = torch.cat([numbered_images, numbered_images + 1e5])  # four distinct images
    rois = (images > 3e3).float()[:, :1]
    index = torch.tensor([3, 0, 3, 2])
    weights = position_weights(rois, (32, 32))
    direct = random_patches(images, (32, 32), torch.Generator().manual_seed(5), rois, weights=weights[index], index=index)
    gathered = random_patches(images[index], (32, 32), torch.Generator().manual_seed(5), rois[index], weights=weights[index])
    for ours, theirs in zip(direct, gathered):
        assert torch.equal(ours, theirs)
    before = images.clone()
    direct[0].fill_(-1.0)
    assert torch.equal(images, before)


def test_roi_guided_patches_always_touch_the_roi(numbered_images):
    roi = torch.zeros(2, 1, 96, 80)
    roi[:, :, 70:96, 60:80] = 1.0  # bottom-right corner only
    guided = _corners(numbered_images, (32, 32), seed=1, sampling_rois=roi)
    assert all(top + 32 > 70 and left + 32 > 60 for top, left in guided)
    uniform = _corners(numbered_images, (32, 32), seed=1)
    assert any(top + 32 <= 70 or left + 32 <= 60 for top, left in uniform)


def test_roi_guided_sampling_prefers_fuller_windows(numbered_images):
    roi = torch.zeros(2, 1, 96, 80)
    roi[:, :, 48:96, :] = 1.0  # lower half
    corners = _corners(numbered_images, (32, 32), seed=2, sampling_rois=roi, draws=100)
    tops = np.array([top for top, _ in corners])
    # Windows wholly inside the ROI (top >= 48) outweigh those that only graze it.
    assert (tops >= 48).mean() > 0.6
    assert tops.min() >= 24  # a window with no ROI at all (top < 17) is never drawn; grid of 8


def test_roi_guided_sampling_is_seeded_and_survives_an_empty_roi(numbered_images):
    roi = torch.zeros(2, 1, 96, 80)
    roi[0, :, 10:50, 10:50] = 1.0  # the second image has an empty ROI: uniform positions
    first = _corners(numbered_images, (32, 32), seed=3, sampling_rois=roi, draws=10)
    second = _corners(numbered_images, (32, 32), seed=3, sampling_rois=roi, draws=10)
    assert first == second
    assert len({corner for corner in second[1::2]}) > 1


def test_patch_trained_checkpoint_scores_with_roi_weights(tiny_study, tiny_params, tmp_path):
    processed, ratings = tiny_study
    model, train = tiny_params
    train = train.with_dimension("sharpness", input="patch", patch_sampling="roi", standardisation="per_image", epochs=2)
    train_dimension(
        dimension="sharpness",
        train_set=load_image_set(processed, ratings, "sharpness", ("train",), InputSpec((64, 64), "patch", "per_image", "roi")),
        val_set=load_image_set(processed, ratings, "sharpness", ("validation",), InputSpec((64, 64), "patch", "per_image", "roi")),
        model_params=model, train_params=train, out_dir=tmp_path / "sharpness", progress=False,
    )
    checkpoint = load_checkpoint(tmp_path / "sharpness" / "best.pt")
    assert checkpoint.preprocessing["input_mode"] == "patch"
    assert checkpoint.preprocessing["tile_weighting"] == "roi"
    table = predict_split(tmp_path / "sharpness" / "best.pt", processed, ratings, "sharpness", ("validation",))
    assert table["score"].notna().all() and len(table) == 6
    # The score is the ROI-weighted mean of the tiles' scores, computed here by hand.
    image_id = table["image_id"].iloc[0]
    image = standardise(load_image(processed / "images" / f"{image_id}.png"), "per_image")
    roi = load_image(processed / "rois" / f"{image_id}.png")
    with torch.inference_mode():
        tile_scores = checkpoint.model(tile(image, (64, 64))).score
    expected = float((tile_scores * tile_weights(roi, (64, 64))).sum() / tile_weights(roi, (64, 64)).sum())
    assert table["score"].iloc[0] == pytest.approx(expected, abs=2e-3)


def test_roi_weighted_model_without_rois_is_a_clear_error(tiny_study, tiny_params, tmp_path):
    processed, ratings = tiny_study
    model, train = tiny_params
    train = train.with_dimension("sharpness", input="patch", patch_sampling="roi", epochs=1)
    train_dimension(
        dimension="sharpness",
        train_set=load_image_set(processed, ratings, "sharpness", ("train",), InputSpec((64, 64), "patch", "fixed", "roi")),
        val_set=load_image_set(processed, ratings, "sharpness", ("validation",), InputSpec((64, 64), "patch", "fixed", "roi")),
        model_params=model, train_params=train, out_dir=tmp_path / "m", progress=False,
    )
    bare = tmp_path / "bare"
    (bare / "images").mkdir(parents=True)
    image = processed / "images" / "CXR0001.png"
    (bare / "images" / image.name).write_bytes(image.read_bytes())
    scorer = Scorer(tmp_path / "m" / "best.pt")
    with pytest.raises(FileNotFoundError, match="no ROI mask"):
        scorer.score_files([bare / "images" / image.name])
    with pytest.raises(ValueError, match="pass the images' ROI masks"):
        scorer.score([load_image(image)])


def test_several_patches_per_image_are_scored_as_their_mean(tiny_study, tiny_params, tmp_path, monkeypatch):
    """With ``patches_per_image`` K, a step runs the network on K patches of each image and the
    loss sees one score per image: the mean of its patches' scores."""
    import cxrqa.train.loop as loop

    processed, ratings = tiny_study
    model_params, train = tiny_params
    train = replace(train, batch_size=4).with_dimension("sharpness", input="patch", patch_sampling="roi", epochs=1, patches_per_image=3)
    forwards, losses = [], []
    build_model, build_loss = loop.build_model, loop.build_loss

    def recording_model(params, **kwargs):
        network = build_model(params, **kwargs)
        network.register_forward_hook(lambda module, args, out: forwards.append((args[0].shape, out.score.detach().clone())) if module.training else None)
        return network

    def recording_loss(params, kind):
        loss = build_loss(params, kind)

        def call(score, side_scores, target, **kwargs):
            losses.append((score.detach().clone(), side_scores.shape, target.clone()))
            return loss(score, side_scores, target, **kwargs)

        return call

    monkeypatch.setattr(loop, "build_model", recording_model)
    monkeypatch.setattr(loop, "build_loss", recording_loss)
    train_set = load_image_set(processed, ratings, "sharpness", ("train",), InputSpec((64, 64), "patch", "per_image", "roi"))
    loop.train_dimension(
        dimension="sharpness", train_set=train_set,
        val_set=load_image_set(processed, ratings, "sharpness", ("validation",), InputSpec((64, 64), "patch", "per_image", "roi")),
        model_params=model_params, train_params=train, out_dir=tmp_path / "m", progress=False,
    )
    assert len(forwards) == len(losses) == -(-len(train_set) // 4)
    for (shape, patch_scores), (image_scores, side_shape, target) in zip(forwards, losses):
        images = len(target)
        assert shape[0] == 3 * images and tuple(shape[-2:]) == tuple(model_params.train_size)
        assert image_scores.shape == (images,) and side_shape == (images, 4)
        torch.testing.assert_close(image_scores, patch_scores.float().view(images, 3).mean(dim=1))


def test_patches_per_image_must_be_positive(tiny_params):
    _, train = tiny_params
    with pytest.raises(ValueError, match="train.sharpness.patches_per_image"):
        train.with_dimension("sharpness", patches_per_image=0)
