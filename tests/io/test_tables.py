"""The study tables are checked on read: a user's own study fails early with a clear message."""

import pandas as pd
import pytest

from cxrqa.io.tables import TableError, mean_opinion_scores, read_acceptability, read_ratings

GOOD = pd.DataFrame(
    {
        "image_id": ["a", "a", "b", "b"],
        "reader_id": ["R01", "R02", "R01", "R02"],
        "reader_role": ["radiologist", "radiographer"] * 2,
        "dimension": ["sharpness"] * 4,
        "score": [7, 9, 3, 4],
        "seconds": [10.5, 11.0, 9.0, None],
    }
)


def write(tmp_path, frame, name="ratings.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_good_ratings_and_mos(tmp_path):
    ratings = read_ratings(write(tmp_path, GOOD))
    assert ratings["score"].dtype.kind == "i"
    mos = mean_opinion_scores(ratings)
    assert mos.loc["a", "sharpness"] == 8.0 and mos.loc["b", "sharpness"] == 3.5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(score=[7, 11, 3, 4]), "column 'score' must hold integers from 1 to 10; first offending row 3"),
        (lambda f: f.assign(score=[7, 0, 3, 4]), "integers from 1 to 10"),
        (lambda f: f.assign(score=[7.5, 9, 3, 4]), "integers from 1 to 10"),
        (lambda f: f.assign(dimension=["sharpness", "contrast", "sharpness", "sharpness"]), "column 'dimension' must be one of"),
        (lambda f: f.drop(columns="reader_role"), "missing column(s) reader_role"),
        (lambda f: f.assign(seconds=[1.0, -2.0, 1.0, 1.0]), "column 'seconds' must not be negative"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), "repeats a (image_id, reader_id, dimension) reading"),
    ],
)
def test_bad_ratings_name_file_column_and_row(tmp_path, change, message):
    path = write(tmp_path, change(GOOD.copy()))
    with pytest.raises(TableError) as caught:
        read_ratings(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_acceptability(tmp_path):
    calls = pd.DataFrame({"image_id": ["a", "a"], "reader_id": ["R01", "R02"], "dimension": ["gray_level"] * 2, "acceptable": ["True", "0"]})
    assert read_acceptability(write(tmp_path, calls, "acc.csv"))["acceptable"].tolist() == [True, False]
    with pytest.raises(TableError, match="must be true or false"):
        read_acceptability(write(tmp_path, calls.assign(acceptable=["yes", "no"]), "acc.csv"))
    with pytest.raises(TableError, match="not found"):
        read_ratings(tmp_path / "absent.csv")
