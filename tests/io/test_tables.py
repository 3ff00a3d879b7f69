"""The study tables are checked on read: a user's own study fails early with a clear message."""

import pandas as pd
import pytest

from cxrqa.config import load_section
from cxrqa.io.tables import (
    READER_ROLES,
    TableError,
    mos_by_image,
    read_acceptability,
    read_image_ids,
    read_ratings,
    validate_ratings,
)

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
    mos = mos_by_image(ratings)
    assert mos.loc["a", "sharpness"] == 8.0 and mos.loc["b", "sharpness"] == 3.5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.assign(score=[7, 11, 3, 4]), "column 'score' must hold integers from 1 to 10; first offending record at line 3"),
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


HEADER = "image_id,reader_id,reader_role,dimension,score,seconds\n"
ROW = "a,R01,radiologist,sharpness,7,10.5\n"
CALLS = "image_id,reader_id,dimension,acceptable\na,R01,gray_level,True\n"


def raw(tmp_path, data, name="ratings.csv"):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def expect_error(reader, path, *fragments):
    with pytest.raises(TableError) as caught:
        reader(path)
    message = str(caught.value)
    assert str(path) in message and all(fragment in message for fragment in fragments), message
    return message


MALFORMED = [
    pytest.param(b"", "empty file (no header line)", id="empty"),
    pytest.param(b"\n \n\n", "empty file (no header line)", id="blank-lines-only"),
    pytest.param("{header}{row}a,R02,x,y,{row}", "line 3 has {long} field(s), the header has {width}", id="ragged-long"),
    pytest.param("{header}{row}a,R02\n", "line 3 has 2 field(s), the header has {width}", id="ragged-short"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xd8", "not UTF-8 text (byte 0x89 at offset 0)", id="binary"),
    pytest.param(b"\x00\x01\x02\x03garbage\x00", "contains NUL bytes", id="binary-nul"),
    pytest.param((HEADER + ROW).encode("utf-16"), "UTF-16 encoded", id="utf-16"),
    pytest.param((HEADER + ROW).encode("utf-16-le"), "contains NUL bytes", id="utf-16-no-bom"),
    pytest.param('{header}{row}"a,R02,radiologist\n', "malformed CSV in the record starting on line 3", id="open-quote"),
]


@pytest.mark.parametrize("reader", [read_ratings, read_acceptability])
@pytest.mark.parametrize(("data", "message"), MALFORMED)
def test_malformed_files_raise_table_error_naming_the_file(tmp_path, reader, data, message):
    header, row = (HEADER + ROW if reader is read_ratings else CALLS).splitlines(keepends=True)
    width = header.count(",") + 1
    text = data.format(header=header, row=row) if isinstance(data, str) else data
    expect_error(reader, raw(tmp_path, text), message.format(width=width, long=width + 4))


def test_utf8_byte_order_mark_and_crlf_are_fine(tmp_path):
    plain = read_ratings(raw(tmp_path, HEADER + ROW, "plain.csv"))
    marked = read_ratings(raw(tmp_path, b"\xef\xbb\xbf" + (HEADER + ROW).replace("\n", "\r\n").encode(), "bom.csv"))
    pd.testing.assert_frame_equal(plain, marked)


def test_reported_line_is_the_line_in_the_file(tmp_path):
    text = (
        HEADER
        + ROW  # line 2
        + "\n   \n"  # lines 3-4: blank, skipped by pandas
        + 'b,R01,radiologist,sharpness,8,"9.0"\n'  # line 5
        + '"c\nd",R01,radiologist,sharpness,8,9\n'  # lines 6-7: a quoted newline
        + "e,R01,radiologist,sharpness,99,9\n"  # line 8: the bad score
    )
    assert "first offending record at line 8 (value 99" in expect_error(read_ratings, raw(tmp_path, text))
    spanning = HEADER + ROW + "\n" + '"f\ng",R01,radiologist,sharpness,0,9\n'  # the bad record starts on line 4
    assert "first offending record at line 4" in expect_error(read_ratings, raw(tmp_path, spanning))
    calls = CALLS + "\n" + "a,R02,gray_level,maybe\n"
    assert "first offending record at line 4" in expect_error(read_acceptability, raw(tmp_path, calls, "acc.csv"))


def test_frames_not_read_from_a_file_report_their_data_row():
    with pytest.raises(TableError, match="first offending record at data row 2"):
        validate_ratings(GOOD.assign(score=[7, 11, 3, 4]))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (",R02,radiologist,sharpness,7,1", "column 'image_id' must not be empty; first offending record at line 3"),
        ("a,,radiologist,sharpness,7,1", "column 'reader_id' must not be empty"),
        ("a,  ,radiologist,sharpness,7,1", "column 'reader_id' must not be empty"),
        ("a,R02,,sharpness,7,1", "column 'reader_role' must not be empty"),
        ("a,R02,radiologist,,7,1", "column 'dimension' must not be empty"),
        ("a,R02,technician,sharpness,7,1", "column 'reader_role' must be one of radiologist, radiographer"),
        ("a,R02,radiologist,sharpness,7,abc", "column 'seconds' must be empty or a finite number; first offending record at line 3 (value 'abc'"),
        ("a,R02,radiologist,sharpness,7,inf", "column 'seconds' must be empty or a finite number"),
        (" a , R01 , radiologist , sharpness ,5,1", "repeats a (image_id, reader_id, dimension) reading; first offending record at line 3"),
    ],
)
def test_empty_fields_unknown_roles_bad_seconds_and_padded_duplicates(tmp_path, row, message):
    expect_error(read_ratings, raw(tmp_path, HEADER + ROW + row + "\n"), message)


def test_text_fields_are_stripped_and_empty_seconds_allowed(tmp_path):
    ratings = read_ratings(raw(tmp_path, HEADER + ROW + " b , R02 ,  radiographer ,gray_level,3,\n"))
    assert ratings.iloc[1][["image_id", "reader_id", "reader_role", "dimension"]].tolist() == ["b", "R02", "radiographer", "gray_level"]
    assert pd.isna(ratings["seconds"].iloc[1]) and ratings["seconds"].dtype == float
    assert set(READER_ROLES) == {"radiologist", "radiographer"}


def test_acceptability_rejects_empty_ids_and_repeated_calls(tmp_path):
    expect_error(read_acceptability, raw(tmp_path, CALLS + "a,,gray_level,False\n", "acc.csv"), "column 'reader_id' must not be empty")
    expect_error(read_acceptability, raw(tmp_path, CALLS + "a , R01,gray_level,False\n", "acc.csv"), "repeats a (image_id, reader_id, dimension) reading")


def test_well_formed_table_reads_as_pandas_reads_it(tmp_path):
    """The checks change nothing in a well-formed table: same values, same dtypes as plain pandas."""
    path = write(tmp_path, GOOD)
    plain = pd.read_csv(path, dtype={"image_id": str, "reader_id": str})
    pd.testing.assert_frame_equal(read_ratings(path), plain, check_exact=True)


def test_read_image_ids(tmp_path):
    path = raw(tmp_path, "image_id,source_file\n a ,x.dcm\nb,y.dcm\n", "manifest.csv")
    assert read_image_ids(path) == ["a", "b"]
    expect_error(read_image_ids, tmp_path / "absent.csv", "manifest file not found")
    expect_error(read_image_ids, raw(tmp_path, "source_file\nx.dcm\n", "manifest.csv"), "missing column(s) image_id")
    expect_error(read_image_ids, raw(tmp_path, "image_id\na\n\na\n", "manifest.csv"), "must not repeat an image; first offending record at line 4")


def test_min_size_is_at_least_the_models_smallest_input():
    assert load_section(None, "preprocess", {"min_size": 64}).min_size == 64
    with pytest.raises(ValueError, match="at least 64, the smallest image side the model scores"):
        load_section(None, "preprocess", {"min_size": 1})
    models = pytest.importorskip("cxrqa.models")
    assert models.MIN_INPUT_SIDE == 64
