"""The index pass's rules (which films are scored) and the store's keys, partitions and atomic files."""

from __future__ import annotations

import datetime as dt

import pydicom
import pytest

from cxrqa.audit.header import HeaderError, index_dataset, operator_pseudonym
from cxrqa.audit.store import (
    contains,
    done_keys,
    film_key,
    read_failures,
    read_scores,
    remove_partial_files,
    write_failures,
    write_scores,
)

DIGESTS = {"gray_level": "aaa", "sharpness": "bbb"}


def header(**attributes) -> pydicom.Dataset:
    ds = pydicom.Dataset()
    values = {"SOPInstanceUID": "1.2.3.4", "Modality": "DX", "BodyPartExamined": "CHEST", "ViewPosition": "PA",
              "StudyDate": "20250314", **attributes}  # fmt: skip
    for keyword, value in values.items():
        if value is not None:
            setattr(ds, keyword, value)
    return ds


@pytest.mark.parametrize(
    ("attributes", "skip"),
    [
        ({}, None),
        ({"Modality": "CR"}, None),
        ({"Modality": "CT"}, "modality"),
        ({"Modality": "MR"}, "modality"),
        ({"Modality": "SR"}, "modality"),
        ({"BodyPartExamined": None}, None),
        ({"BodyPartExamined": "chest"}, None),
        ({"BodyPartExamined": "HAND"}, "body_part"),
        ({"ViewPosition": None}, None),
        ({"ViewPosition": "LL"}, "view_position"),
        ({"ViewPosition": "AP"}, "view_position"),
        ({"PresentationIntentType": "FOR PROCESSING"}, "for_processing"),
        ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.1.1.1"}, "for_processing"),
        ({"PresentationIntentType": "FOR PRESENTATION"}, None),
    ],
)
def test_only_pa_chest_films_for_presentation_are_kept(attributes, skip):
    assert index_dataset(header(**attributes), "x.dcm")[1] == skip


def test_deviation_index_from_the_header_first_then_computed_then_none():
    record, _ = index_dataset(header(ExposureIndex="250", TargetExposureIndex="500", DeviationIndex="-2.5"), "x")
    assert (record.deviation_index, record.deviation_index_source) == (-2.5, "header")
    record, _ = index_dataset(header(ExposureIndex="250", TargetExposureIndex="500"), "x")
    assert record.deviation_index == pytest.approx(-3.0103, abs=1e-4) and record.deviation_index_source == "computed"
    record, _ = index_dataset(header(ExposureIndex="250"), "x")
    assert (record.deviation_index, record.deviation_index_source, record.exposure_index) == (None, "", 250.0)


def test_device_key_changes_with_software_version_and_not_with_the_patient():
    one = index_dataset(header(Manufacturer="GE", SoftwareVersions="1.0", PatientName="A^B"), "x")[0]
    same = index_dataset(header(Manufacturer="GE", SoftwareVersions="1.0", PatientName="C^D"), "y")[0]
    updated = index_dataset(header(Manufacturer="GE", SoftwareVersions="2.0"), "x")[0]
    assert one.device_key == same.device_key != updated.device_key


def test_the_record_holds_no_identity_and_the_operator_only_as_a_keyed_pseudonym():
    ds = header(PatientName="SECRET^NAME", PatientID="ID999", OperatorsName="RAD^X", AccessionNumber="ACC1")
    record, _ = index_dataset(ds, "x")
    assert "SECRET" not in repr(record) and "ID999" not in repr(record) and "RAD^X" not in repr(record)
    assert record.operator == ""
    keyed, _ = index_dataset(ds, "x", operator_key=b"k" * 32)
    assert keyed.operator == operator_pseudonym("RAD^X", b"k" * 32) != operator_pseudonym("RAD^X", b"j" * 32)


def test_study_date_falls_back_and_a_film_without_uid_is_a_header_error():
    assert index_dataset(header(StudyDate=None, ContentDate="20240102"), "x")[0].study_date == dt.date(2024, 1, 2)
    assert index_dataset(header(StudyDate="garbage"), "x")[0].study_date is None
    with pytest.raises(HeaderError):
        index_dataset(header(SOPInstanceUID=None), "x")


def row(uid: str, date: dt.date | None, **changes) -> dict:
    return {"sop_instance_uid": uid, "source": f"{uid}.dcm", "study_date": date, "gray_level": 7.5, "sharpness": 8.0,
            "gray_level_model": "aaa", "sharpness_model": "bbb", **changes}  # fmt: skip


def test_scores_are_partitioned_by_month_and_read_back_whole(tmp_path):
    write_scores(tmp_path, "s1", [row("1", dt.date(2025, 1, 5)), row("2", dt.date(2025, 2, 5)), row("3", None)])
    assert sorted(p.parent.name for p in (tmp_path / "scores").rglob("*.parquet")) == [
        "study_month=2025-01", "study_month=2025-02", "study_month=unknown"]  # fmt: skip
    table = read_scores(tmp_path).to_pandas().sort_values("sop_instance_uid")
    assert list(table["study_month"]) == ["2025-01", "2025-02", "unknown"]


def test_done_keys_are_those_of_the_same_models_and_not_of_retried_failures(tmp_path):
    write_scores(tmp_path, "s1", [row("1", dt.date(2025, 1, 5)), row("2", dt.date(2025, 1, 6), gray_level_model="old")])
    base = {"stage": "score", "detail": "", "gray_level_model": "aaa", "sharpness_model": "bbb"}
    write_failures(tmp_path, "f1", [{**base, "sop_instance_uid": "3", "source": "3.dcm", "reason": "decode_failed"},
                                    {**base, "sop_instance_uid": "4", "source": "4.dcm", "reason": "unavailable"},
                                    {**base, "sop_instance_uid": "", "source": "junk", "reason": "not_dicom"}])  # fmt: skip
    keys = done_keys(tmp_path, DIGESTS)
    assert [contains(keys, film_key(uid, f"{uid}.dcm")) for uid in "1234"] == [True, False, True, False]
    assert contains(keys, film_key("", "junk"))
    assert len(read_failures(tmp_path)) == 3


def test_a_killed_writer_leaves_only_hidden_files_which_readers_skip_and_the_next_run_removes(tmp_path):
    write_scores(tmp_path, "s1", [row("1", dt.date(2025, 1, 5))])
    partial = tmp_path / "scores" / "study_month=2025-01" / ".part-s2.parquet.123.tmp"
    partial.write_bytes(b"PAR1 half a file")
    assert read_scores(tmp_path).num_rows == 1
    assert remove_partial_files(tmp_path) == 1 and not partial.exists()
