"""``benchmarks/bench_real_ladders.py``: the per-film figures behind the real-film ladder targets."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ladders_module():
    spec = importlib.util.spec_from_file_location("bench_real_ladders", ROOT / "benchmarks" / "bench_real_ladders.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_film_tone_is_the_5th_percentile_of_the_central_region(ladders_module):
    x = np.ones((100, 80))  # a white border, which the measure must not see
    x[20:80, 10:70] = np.linspace(0.0, 0.99, 60 * 60).reshape(60, 60)
    assert ladders_module.film_tone(x) == pytest.approx(np.percentile(np.linspace(0.0, 0.99, 3600), 5))


def _ladders_and_scores():
    """Two gray-level tone-curve ladders of 4 rungs: a light film whose score first rises, a dark one falling."""
    rows, scores = [], {}
    for film, tone, values in (("light", 0.4, [6.0, 7.0, 5.0, 4.0]), ("dark", 0.1, [8.0, 7.5, 6.0, 5.0])):
        for step, value in enumerate(values):
            name = f"{film}__tone_curve__{step}.png"
            rows.append({"file": name, "film": film, "tone": tone, "dimension": "gray_level", "kind": "tone_curve", "step": step})
            scores[name] = {"gray_level": value, "sharpness": 9.0}
    return pd.DataFrame(rows), pd.DataFrame.from_dict(scores, orient="index")


def test_per_film_rho_untouched_score_and_first_step(ladders_module):
    films = ladders_module.per_film(ladders_module.scored(*_ladders_and_scores())).set_index("film")
    assert films.loc["dark", "rho"] == pytest.approx(-1.0)
    assert films.loc["light", "rho"] == pytest.approx(-0.8)  # ranks 3, 4, 2, 1 against steps 1-4
    assert films.loc["light", "score_0"] == 6.0 and films.loc["light", "first_step"] == 1.0
    assert films.loc["dark", "first_step"] == -0.5


def test_tone_dependence_splits_films_at_the_light_tone(ladders_module):
    films = ladders_module.per_film(ladders_module.scored(*_ladders_and_scores()))
    table = ladders_module.tone_dependence(films, light=0.3).set_index("light")
    assert table.loc[True, "films"] == table.loc[False, "films"] == 1
    assert table.loc[True, "rho"] == pytest.approx(-0.8) and table.loc[False, "rho"] == pytest.approx(-1.0)
    assert table.loc[True, "first_step"] == 1.0 and table.loc[False, "score_0"] == 8.0
    # the lighter film has the higher (worse) rho: tone and rho rise together
    assert table["tone_vs_rho"].tolist() == pytest.approx([1.0, 1.0])


def test_tone_dependence_is_undefined_when_every_film_has_the_same_rho(ladders_module):
    films = pd.DataFrame({"dimension": "gray_level", "kind": "exposure_noise", "film": ["a", "b", "c"],
                          "tone": [0.1, 0.2, 0.4], "rho": -1.0, "score_0": 8.0, "first_step": -1.0})  # fmt: skip
    dependence = ladders_module.tone_dependence(films, light=0.3)
    assert dependence["tone_vs_rho"].isna().all()
    assert ladders_module._signed(float("nan")) == "undefined"
    assert ladders_module._signed(0.5) == "+0.50"


def test_study_films_picks_excellent_validation_films_of_one_base_kind(ladders_module, tmp_path):
    from PIL import Image

    raw, processed, out = tmp_path / "raw", tmp_path / "processed", tmp_path / "films"
    for folder in (raw, processed / "images", out):
        folder.mkdir(parents=True)
    truth = pd.DataFrame({"image_id": ["CXR0001", "CXR0002", "CXR0003", "CXR0004", "CXR0005"],
                          "base_kind": ["phantom", "phantom", "builtin_real", "phantom", "phantom"],
                          "latent_gray_level": [9.0, 8.5, 9.5, 8.4, 9.2]})  # fmt: skip
    truth.to_csv(raw / "truth.csv", index=False)
    splits = pd.DataFrame({"image_id": truth["image_id"], "split": ["validation", "validation", "validation", "validation", "train"]})
    splits.to_csv(processed / "splits.csv", index=False)
    for image_id in truth["image_id"]:
        Image.fromarray(np.full((8, 6), 32896, dtype=np.uint16)).save(processed / "images" / f"{image_id}.png")
    paths = ladders_module.study_films(raw, processed, "phantom", 5, out)
    # CXR0003 is another base kind, CXR0004 below 8.5, CXR0005 a training film.
    assert [path.name for path in paths] == ["CXR0001.png", "CXR0002.png"]
    image = Image.open(paths[0])
    assert image.mode == "L"
    assert np.asarray(image).max() == round(32896 / 65535 * 255)
    assert [path.name for path in ladders_module.study_films(raw, processed, "phantom", 1, out)] == ["CXR0001.png"]


def test_ladders_of_a_16_bit_film_match_those_of_its_8_bit_copy(ladders_module, tmp_path):
    from PIL import Image

    rng = np.random.default_rng(3)
    values = rng.integers(0, 256, (256, 256), dtype=np.uint8)
    for name, array in (("eight", values), ("sixteen", values.astype(np.uint16) * 257)):
        (tmp_path / name).mkdir()
        Image.fromarray(array).save(tmp_path / name / "film.png")
        (tmp_path / f"{name}_rungs").mkdir()
        ladders_module.write_ladders([tmp_path / name / "film.png"], tmp_path / f"{name}_rungs", steps=2)
    rungs = sorted(path.name for path in (tmp_path / "eight_rungs").iterdir())
    assert len(rungs) == 9 * 3  # every kind of both dimensions, steps 0-2
    assert rungs == sorted(path.name for path in (tmp_path / "sixteen_rungs").iterdir())
    for rung in rungs:
        eight = np.asarray(Image.open(tmp_path / "eight_rungs" / rung))
        sixteen = np.asarray(Image.open(tmp_path / "sixteen_rungs" / rung))
        # a 16-bit film read as 8 bits would be burnt white: every rung would differ
        assert np.array_equal(eight, sixteen), rung
    untouched = np.asarray(Image.open(tmp_path / "sixteen_rungs" / "film__contrast__0.png"))
    assert np.array_equal(untouched, values.astype(np.uint16) * 257)


def test_sheet_draws_the_lightest_and_darkest_films_ladders_titled_with_each_sets_score(ladders_module, tmp_path):
    from PIL import Image

    rows, first, second = [], {}, {}
    for film, tone in (("middle", 0.2), ("light", 0.4), ("dark", 0.1)):
        for kind in ladders_module.KINDS["gray_level"]:
            for step in range(3):
                name = f"{film}__{kind}__{step}.png"
                Image.fromarray(np.full((40, 32), 1000 * (step + 1), np.uint16)).save(tmp_path / name)
                rows.append({"file": name, "film": film, "tone": tone, "dimension": "gray_level", "kind": kind, "step": step})
                first[name] = {"gray_level": 8.0 - step, "sharpness": 9.0}
                second[name] = {"gray_level": 7.5 - step / 2, "sharpness": 9.0}
    ladders = pd.DataFrame(rows)
    sets = [pd.DataFrame.from_dict(scores, orient="index") for scores in (first, second)]
    assert ladders_module.sheet_films(ladders) == ["light", "dark"]
    titles = ladders_module.write_sheet(tmp_path / "sheet.png", ladders, sets, tmp_path)
    kinds = len(ladders_module.KINDS["gray_level"])
    assert titles.shape == (2 * kinds, 3)
    assert titles.index.get_level_values("film").tolist() == ["light"] * kinds + ["dark"] * kinds
    assert titles.loc[("dark", "clipping"), 2] == "6.00 / 6.50"
    with Image.open(tmp_path / "sheet.png") as sheet:
        width, height = sheet.size
    assert height > width > 0  # twelve rows of three rungs


def test_sheet_of_one_film_has_one_film(ladders_module):
    ladders = pd.DataFrame({"file": ["a.png", "b.png"], "film": "only", "tone": 0.3, "dimension": "gray_level",
                            "kind": "contrast", "step": [0, 1]})  # fmt: skip
    assert ladders_module.sheet_films(ladders) == ["only"]


def _untrained_checkpoint(path, detail_channel: bool):
    """An untrained checkpoint for 64 x 64 whole-image input, with or without the detail channel."""
    import torch

    from cxrqa.models import CaHDCRGA, save_checkpoint
    from cxrqa.scoring import InputSpec

    torch.manual_seed(0)
    model = CaHDCRGA(train_size=(64, 64), in_chans=2 if detail_channel else 1)
    return save_checkpoint(path, model, {}, InputSpec((64, 64), detail_channel=detail_channel).to_dict())


@pytest.fixture(scope="module")
def detail_checkpoint(tmp_path_factory):
    return _untrained_checkpoint(tmp_path_factory.mktemp("model") / "best.pt", detail_channel=True)


def test_channel_attribution_matches_scoring_and_hybrids(ladders_module, detail_checkpoint):
    from cxrqa.scoring import Scorer

    rng = np.random.default_rng(1)
    films = [np.clip(0.5 + 0.2 * rng.standard_normal((128, 128)), 0, 1) for _ in range(3)]
    table = ladders_module.channel_attribution(films, detail_checkpoint, kinds=("clipping",), severities=(0.0, 0.6))
    at_zero, at_six = table.set_index("severity").loc[0.0], table.set_index("severity").loc[0.6]
    # severity 0 leaves the film as it is: no channel changes
    assert at_zero[["both", "display_only", "detail_only"]].tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-6)
    # the degraded film's change is what scoring the two films gives
    scorer = Scorer(detail_checkpoint, device="cpu")
    degrade = ladders_module.KINDS["gray_level"]["clipping"]

    png16 = ladders_module.png16
    change = scorer.score([png16(degrade(x, 0.6, None)) for x in films]).scores - scorer.score([png16(x) for x in films]).scores
    assert at_six["both"] == pytest.approx(float(change.mean()), abs=1e-5)
    assert at_six["display_only"] != pytest.approx(at_six["detail_only"], abs=1e-6)


def test_channel_attribution_needs_a_detail_channel(ladders_module, tmp_path):
    path = _untrained_checkpoint(tmp_path / "best.pt", detail_channel=False)
    with pytest.raises(ValueError, match="no detail channel"):
        ladders_module.channel_attribution([np.full((64, 64), 0.5)], path)
