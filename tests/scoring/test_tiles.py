"""Scoring tiles: they cover the image, and ROI-weighted tiles average by their ROI share."""

import pytest
import torch

from cxrqa.scoring import covering_tiles, tile, tile_starts, tile_step, tile_weights, weighted_tile_mean, window_shares


def test_tiles_cover_the_image_and_overlap_only_at_the_end():
    assert tile_starts(96, 64) == [0, 32]
    image = torch.arange(96 * 80, dtype=torch.float32).reshape(1, 96, 80)
    tiles = tile(image, (64, 64))
    assert tiles.shape == (4, 1, 64, 64)
    covered = torch.zeros(96, 80, dtype=torch.bool)
    for top in tile_starts(96, 64):
        for left in tile_starts(80, 64):
            covered[top : top + 64, left : left + 64] = True
    assert covered.all()


def test_a_tile_larger_than_the_image_is_an_error():
    with pytest.raises(ValueError, match="larger than the image side"):
        tile_starts(50, 64)


def test_tile_weights_are_roi_shares_and_fall_back_to_equal():
    roi = torch.zeros(1, 96, 80)
    roi[:, :48, :] = 1.0
    weights = tile_weights(roi, (64, 64))
    assert weights.shape == (4,)
    assert torch.allclose(weights, torch.tensor([0.75, 0.75, 0.25, 0.25]))
    assert torch.equal(tile_weights(torch.zeros(1, 96, 80), (64, 64)), torch.ones(4))
    scores = torch.tensor([8.0, 8.0, 4.0, 4.0])
    assert weighted_tile_mean(scores, weights).item() == pytest.approx(7.0)
    assert weighted_tile_mean(scores, None).item() == pytest.approx(6.0)


def test_window_shares_equal_the_direct_means():
    generator = torch.Generator().manual_seed(0)
    roi = (torch.rand(40, 30, generator=generator) > 0.5).float()
    tops, lefts = [0, 5, 17], [0, 3, 14]
    shares = window_shares(roi, (20, 16), tops, lefts)
    direct = torch.tensor([[float(roi[t : t + 20, l : l + 16].mean()) for l in lefts] for t in tops])
    assert torch.allclose(shares, direct, atol=1e-6)


def test_covering_tiles_drop_tiles_without_roi():
    roi = torch.zeros(1, 96, 80)
    roi[:, :30, :] = 1.0  # the lower row of tiles (rows 32-95) holds no ROI
    tiles, weights = covering_tiles(torch.zeros(1, 96, 80), (64, 64), roi)
    assert tiles.shape[0] == 2 and weights.tolist() == pytest.approx([30 / 64] * 2)
    all_tiles, none = covering_tiles(torch.zeros(1, 96, 80), (64, 64))
    assert all_tiles.shape[0] == 4 and none is None


def test_overlapping_tiles_are_a_step_apart_and_their_weights_follow_them():
    assert tile_step((64, 64), (0.0, 0.5)) == (64, 32)
    assert tile_step((192, 128), (0.25, 0.75)) == (144, 32)
    assert tile_starts(160, 64, 32) == [0, 32, 64, 96]
    image = torch.arange(96 * 160, dtype=torch.float32).reshape(1, 96, 160)
    tiles = tile(image, (64, 64), (64, 32))
    assert tiles.shape == (2 * 4, 1, 64, 64)
    assert torch.equal(tiles[1], image[:, :64, 32:96]) and torch.equal(tiles[4], image[:, 32:96, :64])
    roi = torch.zeros(1, 96, 160)
    roi[:, :, :48] = 1.0
    weights = tile_weights(roi, (64, 64), (64, 32))
    assert torch.allclose(weights, torch.tensor([0.75, 0.25, 0.0, 0.0] * 2))
    kept, kept_weights = covering_tiles(image, (64, 64), roi, (64, 32))
    assert kept.shape[0] == 4 and torch.equal(kept[1], tiles[1]) and kept_weights.tolist() == pytest.approx([0.75, 0.25] * 2)


@pytest.mark.parametrize(("step", "overlap"), [(0, None), (65, None), (None, (0.0, 1.0)), (None, (-0.5, 0.0))])
def test_a_step_that_leaves_gaps_or_a_bad_overlap_is_an_error(step, overlap):
    with pytest.raises(ValueError, match="must lie in"):
        tile_starts(160, 64, step) if overlap is None else tile_step((64, 64), overlap)
