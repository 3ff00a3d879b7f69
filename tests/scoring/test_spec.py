"""The checkpoint's input specification: written by training, read and checked by scoring."""

from types import SimpleNamespace

import pytest

from cxrqa.scoring import InputSpec, InputSpecError


@pytest.mark.parametrize(
    "spec",
    [InputSpec((768, 512)), InputSpec((192, 128), "patch", "local", "roi"), InputSpec((64, 64), "patch", "per_image")],
    ids=["whole", "patch-roi", "patch-uniform"],
)
def test_a_spec_survives_the_checkpoint(spec):
    entry = spec.to_dict()
    assert all(isinstance(value, (str, list)) for value in entry.values())  # plain values only
    assert InputSpec.from_dict(entry) == spec


def test_the_stored_layout_is_that_of_existing_checkpoints():
    assert InputSpec((192, 128), "patch", "local", "roi").to_dict() == {
        "input_mode": "patch",
        "input_size": [192, 128],
        "resize": "none (tiles of the preprocessed image)",
        "standardisation": "local",
        "tile_weighting": "roi",
    }
    assert list(InputSpec((64, 64)).to_dict()) == ["input_mode", "input_size", "resize", "standardisation"]


def test_old_checkpoints_read_as_the_scoring_code_of_their_time():
    assert InputSpec.from_dict({"input_size": [64, 64]}) == InputSpec((64, 64), "whole", "fixed", "uniform")
    assert InputSpec.from_dict({"input_size": [64, 64], "input_mode": "patch"}).tile_weighting == "uniform"


def test_training_settings_make_the_spec():
    model = SimpleNamespace(train_size=[192, 128])
    settings = {"standardisation": "local", "patch_sampling": "roi", "tile_overlap": [0.0, 0.0], "detail_channel": False}
    patch = InputSpec.from_params(model, SimpleNamespace(input="patch", **settings))
    assert patch == InputSpec((192, 128), "patch", "local", "roi")
    uniform = InputSpec.from_params(model, SimpleNamespace(input="patch", **settings | {"patch_sampling": "uniform"}))
    assert uniform.tile_weighting == "uniform"
    overlapping = InputSpec.from_params(model, SimpleNamespace(input="patch", **settings | {"tile_overlap": [0.25, 0.5]}))
    assert overlapping.tile_overlap == (0.25, 0.5) and overlapping.tile_step == (144, 64)
    whole = InputSpec.from_params(
        model, SimpleNamespace(input="whole", standardisation="per_image", patch_sampling="roi", tile_overlap=[0.0, 0.5], detail_channel=True)
    )
    # patch sampling and tile overlap are unused with whole input
    assert whole == InputSpec((192, 128), "whole", "per_image", detail_channel=True) and whole.tile_step is None


def test_tile_overlap_round_trips_and_old_checkpoints_read_without_it():
    spec = InputSpec((192, 128), "patch", "local", "roi", tile_overlap=(0.0, 0.5))
    assert spec.to_dict()["tile_overlap"] == [0.0, 0.5]
    assert InputSpec.from_dict(spec.to_dict()) == spec
    abutting = InputSpec((192, 128), "patch", "local", "roi")
    assert "tile_overlap" not in abutting.to_dict() and abutting.tile_step == (192, 128)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"input_size": [64, 64], "mean": 0.5}, "unknown key(s) 'mean'"),
        ({"input_mode": "whole"}, "no input_size"),
        ({"input_size": [64]}, "two positive integers"),
        ({"input_size": [64.0, 64]}, "two positive integers"),
        ({"input_size": [0, 64]}, "two positive integers"),
        ({"input_size": "64x64"}, "two positive integers"),
        ({"input_size": [64, 64], "input_mode": "tiles"}, "input_mode must be one of whole, patch"),
        ({"input_size": [64, 64], "standardisation": "zscore"}, "standardisation must be one of fixed, per_image, local"),
        ({"input_size": [64, 64], "input_mode": "patch", "tile_weighting": "lungs"}, "tile_weighting must be one of"),
        ({"input_size": [64, 64], "tile_weighting": "roi"}, "needs input_mode 'patch'"),
        ({"input_size": [64, 64], "input_mode": "patch", "detail_channel": True}, "detail_channel needs input_mode 'whole'"),
        ({"input_size": [64, 64], "detail_channel": "yes"}, "detail_channel must be true or false"),
        ({"input_size": [64, 64], "input_mode": "patch", "tile_overlap": [0.0, 1.0]}, "tile_overlap must be two shares in [0, 1)"),
        ({"input_size": [64, 64], "input_mode": "patch", "tile_overlap": [0.5]}, "tile_overlap must be two shares in [0, 1)"),
        ({"input_size": [64, 64], "input_mode": "patch", "tile_overlap": [-0.1, 0.0]}, "tile_overlap must be two shares in [0, 1)"),
        ({"input_size": [64, 64], "tile_overlap": [0.0, 0.5]}, "tile_overlap (0.0, 0.5) needs input_mode 'patch'"),
        ({"input_size": [64, 64], "input_mode": "patch", "resize": "area"}, "resize 'area' does not match"),
    ],
)
def test_a_malformed_spec_is_a_clear_error_naming_the_checkpoint(entry, message):
    with pytest.raises(InputSpecError, match="^models/x/best.pt: ") as caught:
        InputSpec.from_dict(entry, source="models/x/best.pt")
    assert message in str(caught.value)


def test_a_spec_that_is_not_a_mapping_is_an_error():
    with pytest.raises(InputSpecError, match="not a mapping"):
        InputSpec.from_dict([64, 64])


def test_an_input_spec_error_is_a_value_error():
    """So ``cxrqa``'s command-line handler reports it as a one-line error."""
    assert issubclass(InputSpecError, ValueError)


def test_detail_channel_spec_round_trips_and_reads_at_full_resolution():
    spec = InputSpec((64, 48), detail_channel=True)
    assert InputSpec.from_dict(spec.to_dict()) == spec and spec.channels == 2
    assert spec.load_size is None and spec.resize_to == (64, 48)
    assert InputSpec((64, 48)).load_size == (64, 48) and InputSpec((64, 48)).channels == 1


def test_network_input_stacks_the_resized_image_and_its_detail():
    import torch

    from cxrqa.scoring import as_image, detail_map, standardise

    image = torch.rand(1, 256, 192, generator=torch.Generator().manual_seed(1))
    inputs = InputSpec((64, 48), detail_channel=True).network_input(image)
    assert inputs.shape == (2, 64, 48)
    assert torch.equal(inputs[:1], standardise(as_image(image, (64, 48))))
    assert torch.equal(inputs[1:], detail_map(image, (64, 48)))
    assert torch.equal(InputSpec((64, 48)).network_input(image), inputs[:1])
