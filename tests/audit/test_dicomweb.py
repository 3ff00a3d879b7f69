"""The DICOMweb source against a real Orthanc, and its retries and errors against a scripted server."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import pickle
import shutil
import socket
import subprocess
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pydicom
import pytest
import requests
from pydicom.uid import RLELossless, generate_uid

from cxrqa.audit.dicomweb import DicomwebError, DicomwebSource, InstanceRef, make_session, study_date_range
from cxrqa.audit.header import HeaderError, index_dataset
from cxrqa.io.read import read_radiograph
from tests.audit.orthanc import requires_orthanc, running_orthanc
from tests.preprocess.conftest import write_dicom

SENTINEL = "SENTINEL^PATIENT^IDENTITY"
OPERATOR_KEY = b"test-key"

#: name: (Modality, Study Date, attributes that differ from the PA chest default)
FILMS = {
    "dx_jan": ("DX", "20240105", {}),
    "cr_feb": ("CR", "20240210", {"rle": True}),
    "dx_lateral": ("DX", "20240120", {"ViewPosition": "LL"}),
    "ct_jan": ("CT", "20240115", {"BodyPartExamined": "HEAD"}),
    "dx_2023": ("DX", "20231231", {"DeviationIndex": "-1.5"}),
    "dx_mar": ("DX", "20240315", {"TargetExposureIndex": None}),
}


def _film(path: Path, modality: str, study_date: str, seed: int, rle: bool = False, **changes) -> Path:
    attributes = {
        "StudyDate": study_date, "StudyInstanceUID": generate_uid(), "SeriesInstanceUID": generate_uid(),
        "PatientName": SENTINEL, "PatientID": "SENTINEL-ID", "OperatorsName": "RAD^ONE",
        "BodyPartExamined": "CHEST", "ViewPosition": "PA", "PresentationIntentType": "FOR PRESENTATION",
        "ManufacturerModelName": "Model 1", "DeviceSerialNumber": "SN-1", "StationName": "DR1",
        "InstitutionName": "Site A", "SoftwareVersions": ["1.0", "2.1"],
        "ExposureIndex": "400", "TargetExposureIndex": "250",
    }  # fmt: skip
    attributes.update(changes)
    attributes = {key: value for key, value in attributes.items() if value is not None}
    pixels = np.random.default_rng(seed).integers(0, 4096, (64, 64), dtype=np.uint16)
    write_dicom(path, pixels, modality=modality, **attributes)
    if rle:
        ds = pydicom.dcmread(path)
        ds.compress(RLELossless)
        ds.save_as(path)
    return path


@pytest.fixture(scope="module")
def pacs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Path]]]:
    """One Orthanc for the module, holding :data:`FILMS`: its DICOMweb URL and the files by name."""
    root = tmp_path_factory.mktemp("pacs")
    files = {
        name: _film(root / f"{name}.dcm", modality, date, seed, **changes)
        for seed, (name, (modality, date, changes)) in enumerate(FILMS.items())
    }
    with running_orthanc(root) as server:
        assert server.upload(files.values()) == len(files)
        yield server.dicomweb_url, files


def _source(url: str, since: dt.date | None = None, until: dt.date | None = None, **options) -> DicomwebSource:
    return DicomwebSource(url, since=since, until=until, **{"retries": 2, "backoff_s": 0.01, **options})


def _uid(path: Path) -> str:
    return str(pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID)


def _uids(files: dict[str, Path], *names: str) -> set[str]:
    return {_uid(files[name]) for name in names}


@requires_orthanc
@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (dt.date(2024, 1, 1), dt.date(2024, 2, 29), ("dx_jan", "cr_feb", "dx_lateral")),
        (None, dt.date(2023, 12, 31), ("dx_2023",)),
        (dt.date(2024, 3, 1), None, ("dx_mar",)),
        (None, None, ("dx_jan", "cr_feb", "dx_lateral", "dx_2023", "dx_mar")),
    ],
)
def test_iter_instances_finds_the_cr_and_dx_films_of_the_dates(pacs, since, until, expected):
    url, files = pacs
    refs = list(_source(url, since, until).iter_instances())
    assert len(refs) == len(expected)
    assert {ref.instance for ref in refs} == _uids(files, *expected)


@requires_orthanc
def test_iter_instances_pages_lazily(pacs, monkeypatch):
    url, files = pacs
    source = _source(url, page_size=2)
    calls = []
    search = source.client.search_for_instances

    def spy(**kwargs):
        page = search(**kwargs)
        calls.append((kwargs["search_filters"]["Modality"], kwargs["limit"], kwargs["offset"], len(page)))
        return page

    monkeypatch.setattr(source.client, "search_for_instances", spy)
    refs = source.iter_instances()
    first = next(refs)
    assert len(calls) == 1
    refs = [first, *refs]
    assert {ref.instance for ref in refs} == _uids(files, "dx_jan", "cr_feb", "dx_lateral", "dx_2023", "dx_mar")
    assert len(refs) == 5
    assert calls == [("CR", 2, 0, 1), ("CR", 2, 1, 0), ("DX", 2, 0, 2), ("DX", 2, 2, 2), ("DX", 2, 4, 0)]


@requires_orthanc
def test_read_header_indexes_as_the_file_does(pacs):
    url, files = pacs
    source = _source(url)
    refs = {ref.instance: ref for ref in source.iter_instances()}
    assert len(refs) == 5
    for path in files.values():
        if _uid(path) not in refs:
            continue
        ref = refs[_uid(path)]
        header = source.read_header(ref)
        from_web = index_dataset(header, source.source(ref), operator_key=OPERATOR_KEY)
        from_file = index_dataset(pydicom.dcmread(path, stop_before_pixels=True), "x", operator_key=OPERATOR_KEY)
        assert from_web == (replace(from_file[0], source=source.source(ref)), from_file[1])
        assert from_web[0].operator and from_web[0].exposure_index == 400.0
        assert not header.get("PixelData"), "bulk data must not be fetched"


@requires_orthanc
def test_fetch_writes_the_stored_film(pacs, tmp_path):
    url, files = pacs
    source = _source(url)
    refs = {ref.instance: ref for ref in source.iter_instances()}
    for name in ("dx_jan", "cr_feb"):
        original = pydicom.dcmread(files[name])
        dest = source.fetch(refs[_uid(files[name])], tmp_path / f"{name}.dcm")
        fetched = pydicom.dcmread(dest)
        assert fetched.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
        np.testing.assert_array_equal(fetched.pixel_array, original.pixel_array)
        assert read_radiograph(dest, min_size=32).image.shape == (64, 64)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cr_feb.dcm", "dx_jan.dcm"]


@requires_orthanc
def test_an_absent_instance_is_a_permanent_error(pacs):
    url, files = pacs
    ref = InstanceRef(generate_uid(), generate_uid(), generate_uid())
    with pytest.raises(DicomwebError) as caught:
        _source(url).read_header(ref)
    assert caught.value.status == 404 and not caught.value.transient
    path = f"/dicom-web/studies/{ref.study}/series/{ref.series}/instances/{ref.instance}/metadata"
    assert str(caught.value) == f"DICOMweb GET {path}: HTTP 404 Not Found"


@requires_orthanc
def test_source_pickles_without_its_session(pacs):
    url, files = pacs
    source = _source(url, dt.date(2024, 3, 1))
    assert len(list(source.iter_instances())) == 1
    copy = pickle.loads(pickle.dumps(source))
    assert copy._client is None
    assert [ref.instance for ref in copy.iter_instances()] == [_uid(files["dx_mar"])]


@requires_orthanc
def test_orthanc_fixture_stores_answers_dicom_and_stops(orthanc, tmp_path):
    film = _film(tmp_path / "film.dcm", "DX", "20240105", 0)
    assert orthanc.upload([film, film]) == 2
    assert requests.get(f"{orthanc.url}/statistics", timeout=5).json()["CountInstances"] == 1
    if shutil.which("echoscu"):  # dcmtk: a C-ECHO to the DICOM port and AE title
        echo = [shutil.which("echoscu"), "-aec", orthanc.aet, "127.0.0.1", str(orthanc.dicom_port)]
        assert subprocess.run(echo, capture_output=True, timeout=20).returncode == 0
    orthanc.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{orthanc.url}/system", timeout=5)


# A scripted server: answers (status, headers, body, delay in s) in turn, the last one from then on.

_PAGE = [{
    "0020000D": {"vr": "UI", "Value": ["1.2.3"]}, "0020000E": {"vr": "UI", "Value": ["1.2.3.4"]},
    "00080018": {"vr": "UI", "Value": ["1.2.3.4.5"]}, "00100010": {"vr": "PN", "Value": [{"Alphabetic": SENTINEL}]},
}]  # fmt: skip
_JSON = {"Content-Type": "application/dicom+json"}
OK_PAGE = (200, _JSON, json.dumps(_PAGE).encode(), 0.0)
EMPTY = (200, _JSON, b"[]", 0.0)
UNAVAILABLE = (503, {}, b"", 0.0)


@contextlib.contextmanager
def scripted_server(answers: list[tuple[int, dict, bytes, float]], lifetime_s: float = 30.0):
    """A local HTTP server that answers GETs from ``answers``; yields its DICOMweb URL and the paths seen.

    It stops when the block ends, and by itself after ``lifetime_s`` should the block hang.
    """
    seen: list[str] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            with lock:
                status, headers, body, delay = answers[min(len(seen), len(answers) - 1)]
                seen.append(self.path)
            time.sleep(delay)
            with contextlib.suppress(OSError):  # the client may have given up on a slow answer
                self.send_response(status)
                for key, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    watchdog = threading.Timer(lifetime_s, server.shutdown)
    watchdog.daemon = True
    watchdog.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dicom-web", seen
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_unavailable_twice_is_retried():
    with scripted_server([UNAVAILABLE, UNAVAILABLE, OK_PAGE, EMPTY]) as (url, seen):
        refs = _source(url, dt.date(2024, 1, 1), retries=3).iter_instances()
        assert next(refs) == InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5")
        assert len(seen) == 3
        assert list(refs) == []
    assert len(seen) == 5  # the CR pages (503, 503, 1 result, none) and the DX page (none)
    assert seen[0].startswith("/dicom-web/instances?") and "StudyDate=20240101-" in seen[0]


def test_without_retries_unavailable_raises():
    with scripted_server([UNAVAILABLE, OK_PAGE]) as (url, seen):
        with pytest.raises(DicomwebError) as caught:
            list(_source(url, retries=0).iter_instances())
    assert len(seen) == 1
    assert caught.value.status == 503 and caught.value.transient
    assert str(caught.value) == "DICOMweb GET /dicom-web/instances: HTTP 503 Service Unavailable"


def test_a_slow_answer_is_retried():
    with scripted_server([(*OK_PAGE[:3], 2.0), OK_PAGE, EMPTY]) as (url, seen):
        refs = list(_source(url, retries=1, timeout_s=0.3).iter_instances())
    assert len(refs) == 1 and len(seen) == 4


def test_no_server_is_a_transient_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DicomwebError) as caught:
        _source(f"http://127.0.0.1:{port}/dicom-web", retries=1).read_header(InstanceRef("1", "2", "3"))
    assert caught.value.status is None and caught.value.transient
    path = "/dicom-web/studies/1/series/2/instances/3/metadata"
    assert str(caught.value) == f"DICOMweb GET {path}: no answer: ConnectionError"


def test_a_redirect_is_not_followed():
    elsewhere = (302, {"Location": "http://127.0.0.1:9/elsewhere"}, b"", 0.0)
    with scripted_server([elsewhere, OK_PAGE]) as (url, seen):
        with pytest.raises(DicomwebError) as caught:
            next(_source(url).iter_instances())
    assert len(seen) == 1 and caught.value.status == 302


@pytest.mark.parametrize(
    ("answer", "call"),
    [
        ((500, {"X-Patient": SENTINEL, **_JSON}, json.dumps(_PAGE).encode(), 0.0), "search"),
        ((404, {"Warning": f"299 pacs: {SENTINEL}"}, SENTINEL.encode(), 0.0), "header"),
        ((200, _JSON, f"[{{{SENTINEL}".encode(), 0.0), "header"),
        ((200, {"Content-Type": f"text/{SENTINEL}"}, SENTINEL.encode(), 0.0), "fetch"),
        ((200, {"Content-Type": "multipart/related; boundary=b"}, f"--b\r\n\r\n{SENTINEL}\r\n--b--".encode(), 0), "fetch"),
    ],
)
def test_errors_name_no_identity(answer, call, tmp_path):
    ref = InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5")
    with scripted_server([answer]) as (url, seen):
        source = _source(url, retries=0)
        run = {
            "search": lambda: list(source.iter_instances()),
            "header": lambda: source.read_header(ref),
            "fetch": lambda: source.fetch(ref, tmp_path / "film.dcm"),
        }[call]
        with pytest.raises(DicomwebError) as caught:
            run()
    told = " ".join([str(caught.value), repr(caught.value), *traceback.format_exception(caught.value)])
    assert SENTINEL.split("^")[0] not in told
    assert caught.value.path.startswith("/dicom-web/")
    assert not list(tmp_path.iterdir())


def test_results_without_usable_uids_are_passed_over():
    broken = [{**_PAGE[0], "0020000E": {"vr": "UI"}}, {**_PAGE[0], "00080018": {"vr": "UI", "Value": ["../../x"]}}]
    page = (200, _JSON, json.dumps([*broken, _PAGE[0]]).encode(), 0.0)
    with scripted_server([page, EMPTY]) as (url, seen):
        source = _source(url)
        assert list(source.iter_instances()) == [InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5")]
    assert source.passed_over == 2


def test_metadata_that_is_no_dataset_is_a_header_error():
    bad = (200, _JSON, json.dumps([{"00080018": {"vr": "UI", "Value": SENTINEL}}]).encode(), 0.0)
    with scripted_server([bad]) as (url, seen):
        with pytest.raises(HeaderError) as caught:
            _source(url).read_header(InstanceRef("1.2.3", "1.2.3.4", "1.2.3.4.5"))
    assert "SENTINEL" not in "".join(traceback.format_exception(caught.value))


def test_a_warning_header_reaches_no_log(caplog):
    warned = (200, {**_JSON, "Warning": f"299 pacs: {SENTINEL}"}, json.dumps(_PAGE).encode(), 0.0)
    caplog.set_level(logging.DEBUG)
    with scripted_server([warned, EMPTY]) as (url, seen):
        assert len(list(_source(url).iter_instances())) == 1
    assert caplog.records and SENTINEL not in caplog.text


def test_study_date_range_refuses_a_reversed_range():
    assert study_date_range(dt.date(2024, 2, 1), dt.date(2024, 2, 1)) == "20240201-20240201"
    with pytest.raises(ValueError, match="after"):
        study_date_range(dt.date(2024, 2, 2), dt.date(2024, 2, 1))


def test_make_session_retries_gets_only():
    retry = make_session(4, 0.5).get_adapter("http://pacs/").max_retries
    assert (retry.total, retry.backoff_factor, retry.raise_on_status) == (4, 0.5, False)
    assert set(retry.status_forcelist) == {408, 429, 503, 504} and set(retry.allowed_methods) == {"GET"}
    with pytest.raises(ValueError):
        make_session(-1, 0.5)
