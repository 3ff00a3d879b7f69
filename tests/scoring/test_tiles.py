"""Scoring tiles: they cover the image, and ROI-weighted tiles average by their ROI share."""

import pytest
import torch

from cxrqa.scoring import covering_tiles, tile, tile_starts, tile_weights, weighted_tile_mean, window_shares


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
