"""`cxrqa listen` on loopback with real DICOM senders: dcmtk's storescu and pynetdicom.

Each test starts the listener as a user would (a subprocess), sends films, and reads the audit
store it writes: films scored once each, other films recorded with their reason, a full spool
refusing rather than losing, a SIGKILL mid-burst losing nothing, and no tag value in its logs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pydicom
import pytest

from cxrqa.audit.store import read_failures, read_scores
from tests.audit.builders import SENTINELS, film_uid, save_models, write_film

CXRQA = [sys.executable, "-m", "cxrqa.cli"]
STORESCU = shutil.which("storescu")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Listener:
    """``cxrqa listen`` in its own process group (so a SIGKILL takes the scorer too)."""

    def __init__(self, tmp: Path, *, spool_limit: int = 500, extra: list[str] | None = None):
        self.tmp, self.port, self.out = tmp, free_port(), tmp / "audit"
        self.models = save_models(tmp / "models") if not (tmp / "models").exists() else tmp / "models"
        self.log = tmp / "listener.log"
        self.command = [*CXRQA, "listen", "--port", str(self.port), "--host", "127.0.0.1", "--ae-title", "CXRQA",
                        "--models", str(self.models), "--out", str(self.out), "--spool-limit", str(spool_limit), *(extra or [])]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> Listener:
        handle = self.log.open("a")
        self.process = subprocess.Popen(self.command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "listening on" in self.log.read_text():
                return self
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.1)
        raise AssertionError("the listener did not start: " + self.log.read_text()[-3000:])

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def wait_until_empty(self, timeout: float = 120) -> None:
        spool = self.out / "spool"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if spool.is_dir() and not any(p.name.endswith(".dcm") for p in spool.iterdir()):
                return
            time.sleep(0.2)
        raise AssertionError(f"the spool did not empty: {sorted(p.name for p in spool.iterdir())}")


@pytest.fixture
def listener(tmp_path):
    running = Listener(tmp_path).start()
    yield running
    running.stop()


def films(folder: Path, count: int, start: int = 0, **attributes) -> list[Path]:
    return [write_film(folder / f"film{i:04d}.dcm", i, date=dt.date(2025, 3, 1 + i % 27), **attributes) for i in range(start, start + count)]


def scores_of(out: Path) -> pd.DataFrame:
    return read_scores(out).to_pandas()


def send_with_pynetdicom(port: int, paths: list[Path], answered: list | None = None) -> list[tuple[str, int]]:
    """C-STORE each file in one association; returns (SOP Instance UID, status) per film answered
    (also appended to ``answered`` as they come, for a test that watches the burst)."""
    from pynetdicom import AE
    from pynetdicom.sop_class import DigitalXRayImageStorageForPresentation

    ae = AE(ae_title="MODALITY")
    ae.add_requested_context(DigitalXRayImageStorageForPresentation)
    assoc = ae.associate("127.0.0.1", port, ae_title="CXRQA")
    assert assoc.is_established
    answered = [] if answered is None else answered
    try:
        for path in paths:
            dataset = pydicom.dcmread(path)
            try:
                status = assoc.send_c_store(dataset)
            except Exception:  # noqa: BLE001 - the listener died mid-burst
                break
            if not status:  # no answer: the association went away
                break
            answered.append((str(dataset.SOPInstanceUID), int(status.Status)))
            if not assoc.is_established:
                break
    finally:
        if assoc.is_established:
            assoc.release()
    return answered


@pytest.mark.skipif(STORESCU is None, reason="dcmtk's storescu is not installed (Debian package dcmtk)")
def test_storescu_films_are_scored_into_the_audit_store_and_leave_the_spool(listener, tmp_path):
    sent = films(tmp_path / "sent", 4)
    sent.append(write_film(tmp_path / "sent" / "lateral.dcm", 50, ViewPosition="LL"))
    result = subprocess.run([STORESCU, "-aec", "CXRQA", "127.0.0.1", str(listener.port), *map(str, sent)],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    listener.wait_until_empty()
    scores = scores_of(listener.out)
    assert sorted(scores["sop_instance_uid"]) == sorted(film_uid(i) for i in range(4))
    assert scores[["gray_level", "sharpness"]].notna().all().all() and set(scores["source"]) == {"c-store"}
    skipped = read_failures(listener.out).to_pandas()
    assert skipped[["sop_instance_uid", "stage", "reason"]].values.tolist() == [[film_uid(50), "skipped", "view_position"]]


def test_pynetdicom_sender_gets_success_and_a_repeat_is_stored_once(listener, tmp_path):
    sent = films(tmp_path / "sent", 3)
    answered = send_with_pynetdicom(listener.port, sent + sent[:1])
    assert [status for _, status in answered] == [0, 0, 0, 0]
    listener.wait_until_empty()
    assert sorted(scores_of(listener.out)["sop_instance_uid"]) == sorted(film_uid(i) for i in range(3))


def test_a_full_spool_refuses_with_a_clear_status_and_loses_nothing(tmp_path):
    listener = Listener(tmp_path, spool_limit=2)
    listener.models = save_models(tmp_path / "models")
    # fill the spool while no scorer runs: the spool folder is prepared by hand before the start
    spool = listener.out / "spool"
    spool.mkdir(parents=True)
    from cxrqa.listen.spool import Spool

    for path in films(tmp_path / "held", 2, start=100):
        Spool(spool, 2).put(pydicom.dcmread(path))
    from pynetdicom import AE
    from pynetdicom.sop_class import DigitalXRayImageStorageForPresentation

    ae, handlers = __import__("cxrqa.listen.scp", fromlist=["make_ae"]).make_ae("CXRQA", Spool(spool, 2))
    server = ae.start_server(("127.0.0.1", listener.port), block=False, evt_handlers=handlers)
    try:
        requestor = AE(ae_title="MODALITY")
        requestor.add_requested_context(DigitalXRayImageStorageForPresentation)
        refused = requestor.associate("127.0.0.1", listener.port, ae_title="CXRQA")
        assert refused.is_rejected and not refused.is_established
        rejection = refused.acceptor.primitive
        assert (rejection.result, rejection.result_source, rejection.diagnostic) == (2, 3, 2)  # transient, local limit
    finally:
        server.shutdown()
    # with room for one film, an open association gets success, then 0xA700 (out of resources)
    roomy = Spool(spool, 3)
    ae, handlers = __import__("cxrqa.listen.scp", fromlist=["make_ae"]).make_ae("CXRQA", roomy)
    server = ae.start_server(("127.0.0.1", listener.port), block=False, evt_handlers=handlers)
    try:
        statuses = [status for _, status in send_with_pynetdicom(listener.port, films(tmp_path / "more", 2, start=150))]
    finally:
        server.shutdown()
    assert statuses == [0x0000, 0xA700] and roomy.count() == 3
    # the scorer (started with the listener) scores what was held, and new films are taken again
    listener.start()
    try:
        listener.wait_until_empty()
        assert [status for _, status in send_with_pynetdicom(listener.port, films(tmp_path / "later", 1, start=200))] == [0]
        listener.wait_until_empty()
        assert sorted(scores_of(listener.out)["sop_instance_uid"]) == sorted(film_uid(i) for i in (100, 101, 150, 200))
    finally:
        listener.stop()


def test_sigkill_mid_burst_loses_no_film_answered_with_success_and_scores_each_once(tmp_path):
    import threading

    listener = Listener(tmp_path).start()
    assert send_with_pynetdicom(listener.port, films(tmp_path / "first", 1, start=500))[0][1] == 0
    listener.wait_until_empty()  # the scorer is up: the burst now meets a working scorer
    sent = films(tmp_path / "burst", 120)
    answered: list[tuple[str, int]] = []
    sender = threading.Thread(target=send_with_pynetdicom, args=(listener.port, sent, answered))
    sender.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(answered) < 30:
        time.sleep(0.01)  # kill mid-burst: some films scored, some spooled, more arriving
    listener.kill()
    sender.join(timeout=60)
    successful = {uid for uid, status in answered if status == 0}
    assert 30 <= len(successful) < len(sent), len(successful)
    listener.start()
    try:
        listener.wait_until_empty()
    finally:
        listener.stop()
    stored = scores_of(listener.out)["sop_instance_uid"]
    assert successful <= set(stored) and stored.is_unique  # every success scored, and each film once
    assert len(stored) <= len(successful) + 2  # at most the film in flight when killed, besides the first


def test_logs_carry_no_tag_values(listener, tmp_path):
    sent = films(tmp_path / "sent", 2) + [write_film(tmp_path / "sent" / "hand.dcm", 60, BodyPartExamined="HAND")]
    send_with_pynetdicom(listener.port, sent)
    listener.wait_until_empty()
    listener.stop()
    logged = listener.log.read_text()
    assert "scored a film" in logged or "BELOW CUT-OFF" in logged
    for value in SENTINELS.values():
        assert value not in logged and value.split("^")[0] not in logged
    assert film_uid(0) not in logged


def _params_with_cutoffs(tmp_path: Path, cutoff: float) -> Path:
    import yaml

    params = yaml.safe_load((Path(__file__).parents[2] / "params.yaml").read_text())
    params["audit"]["cutoff"] = {"gray_level": cutoff, "sharpness": cutoff}
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def test_a_film_below_a_cut_off_is_flagged_at_once_with_no_identity(tmp_path):
    flagged = tmp_path / "flagged.txt"
    listener = Listener(tmp_path, extra=["--params", str(_params_with_cutoffs(tmp_path, 9.99)),
                                         "--on-flag", f'echo "$CXRQA_STATION $CXRQA_DIMENSIONS $CXRQA_SOP_INSTANCE_UID" >> {flagged}'])  # fmt: skip
    listener.start()
    try:
        send_with_pynetdicom(listener.port, films(tmp_path / "sent", 2))
        listener.wait_until_empty()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not flagged.exists() or len(flagged.read_text().splitlines()) < 2):
            time.sleep(0.1)
    finally:
        listener.stop()
    lines = sorted(flagged.read_text().splitlines())
    assert lines == sorted(f"ST{i % 2} gray_level,sharpness {film_uid(i)}" for i in range(2))
    logged = listener.log.read_text()
    assert logged.count("BELOW CUT-OFF") == 2
    for value in SENTINELS.values():
        assert value.split("^")[0] not in logged + flagged.read_text()


@pytest.mark.skipif(shutil.which("dsrdump") is None, reason="dcmtk's dsrdump is not installed (Debian package dcmtk)")
def test_orthanc_forwards_films_in_and_receives_the_srs_that_read_back_as_tid_1500(tmp_path):
    import highdicom as hd
    import requests

    from tests.audit.orthanc import available, requires_orthanc, running_orthanc

    if not available:
        pytest.skip(requires_orthanc.kwargs["reason"])
    with running_orthanc(tmp_path) as pacs:
        listener = Listener(tmp_path, extra=["--forward", f"127.0.0.1:{pacs.dicom_port}:{pacs.aet}"]).start()
        try:
            send_with_pynetdicom(listener.port, films(tmp_path / "sent", 1))
            # the second path: Orthanc, holding a film, forwards it to the listener as a modality would
            film = films(tmp_path / "pacs", 1, start=1)[0]
            uploaded = requests.post(f"{pacs.url}/instances", data=film.read_bytes(), timeout=30).json()["ID"]
            requests.put(f"{pacs.url}/modalities/cxrqa", json={"AET": "CXRQA", "Host": "127.0.0.1", "Port": listener.port},
                         timeout=30).raise_for_status()  # fmt: skip
            requests.post(f"{pacs.url}/modalities/cxrqa/store", json={"Resources": [uploaded], "Synchronous": True},
                          timeout=60).raise_for_status()  # fmt: skip
            listener.wait_until_empty()
            outbox = listener.out / "sr" / "outbox"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (not outbox.is_dir() or any(outbox.glob("*.dcm")) or len(list((listener.out / "sr").glob("*.dcm"))) < 2):
                time.sleep(0.2)
        finally:
            listener.stop()
        instances = requests.get(f"{pacs.url}/instances", params={"expand": ""}, timeout=30).json()
        reports = [item for item in instances if item["ID"] != uploaded]
        assert len(reports) == 2  # one SR per film, both paths
        assert sorted(scores_of(listener.out)["sop_instance_uid"]) == sorted(film_uid(i) for i in range(2))
        received = tmp_path / "received.dcm"
        received.write_bytes(requests.get(f"{pacs.url}/instances/{reports[0]['ID']}/file", timeout=30).content)
    dataset = pydicom.dcmread(received)
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34" and dataset.VerificationFlag == "UNVERIFIED"
    assert dataset.PatientID == SENTINELS["PatientID"]  # the SR joins the film's patient, inside DICOM
    report = hd.sr.Comprehensive3DSR.from_dataset(dataset)
    group = report.content.get_image_measurement_groups()[0]
    names = {measurement.name.meaning for measurement in group.get_measurements()}
    assert names == {"Gray-level quality score", "Sharpness quality score"}
    assert {item.value.meaning for item in group.get_qualitative_evaluations()} >= {"Not for diagnostic use"}
    dump = subprocess.run(["dsrdump", str(received)], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0 and "Gray-level quality score" in dump.stdout and "Algorithm Version" in dump.stdout


@pytest.mark.parametrize("syntax", ["1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90",
                                    "1.2.840.10008.1.2.4.70"], ids=["rle", "jpeg-ls", "jpeg-2000", "jpeg-lossless"])  # fmt: skip
def test_compressed_films_are_accepted_and_scored(listener, tmp_path, syntax):
    from pynetdicom import AE
    from pynetdicom.sop_class import DigitalXRayImageStorageForPresentation

    path = films(tmp_path / "sent", 1, start=300)[0]
    if syntax == "1.2.840.10008.1.2.4.70":  # pydicom has no JPEG lossless encoder: dcmtk's dcmcjpeg (process 14, SV1)
        if shutil.which("dcmcjpeg") is None:
            pytest.skip("dcmtk's dcmcjpeg is not installed (Debian package dcmtk)")
        subprocess.run(["dcmcjpeg", str(path), str(path.with_suffix(".jpeg.dcm"))], check=True, timeout=60)
        dataset = pydicom.dcmread(path.with_suffix(".jpeg.dcm"))
    else:
        dataset = pydicom.dcmread(path)
        dataset.compress(syntax, generate_instance_uid=False)
    assert dataset.file_meta.TransferSyntaxUID == syntax
    ae = AE(ae_title="MODALITY")
    ae.add_requested_context(DigitalXRayImageStorageForPresentation, [syntax])
    assoc = ae.associate("127.0.0.1", listener.port, ae_title="CXRQA")
    assert assoc.is_established and assoc.accepted_contexts[0].transfer_syntax[0] == syntax
    try:
        assert assoc.send_c_store(dataset).Status == 0
    finally:
        assoc.release()
    listener.wait_until_empty()
    scores = scores_of(listener.out)
    assert scores["sop_instance_uid"].tolist() == [film_uid(300)], read_failures(listener.out).to_pandas().to_dict("records")


def test_the_audit_report_reads_a_folder_the_listener_wrote(listener, tmp_path):
    sent = films(tmp_path / "sent", 6) + [write_film(tmp_path / "sent" / "lateral.dcm", 70, ViewPosition="LL")]
    send_with_pynetdicom(listener.port, sent)
    listener.wait_until_empty()
    report = subprocess.run([*CXRQA, "report", "--notebook", str(Path(__file__).parents[2] / "notebooks" / "audit.py"),
                             "-p", f"audit_dir={listener.out}", "--out", str(tmp_path / "report")],
                            capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[2])  # fmt: skip
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    files = pd.read_csv(tmp_path / "report" / "tables" / "audit" / "files.csv", keep_default_na=False)
    assert files[["outcome", "reason", "files"]].values.tolist() == [["scored", "", 6], ["skipped", "view_position", 1]]
    page = (tmp_path / "report" / "html" / "audit.html").read_text()
    assert "No control chart yet" in page and "The store holds 6 scored PA chest films." in page
