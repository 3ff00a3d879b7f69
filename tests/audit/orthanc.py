"""A real Orthanc with its DICOMweb plugin, started for a test and stopped after it.

:func:`running_orthanc` starts ``Orthanc`` as a subprocess on two free local ports, with its
storage, index and log in a test's temporary folder, and waits (30 s at most) until its REST API
answers. The tests of the DICOMweb source (:mod:`cxrqa.audit.dicomweb`) query it over QIDO-RS
and WADO-RS as they would a hospital PACS.

Orthanc 1.10 has no option for the address it listens on: its HTTP and DICOM servers bind all
interfaces. ``RemoteAccessAllowed: false`` makes the HTTP server refuse every client but the
loopback one; the DICOM server takes only associations that call its own AE title.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

__all__ = ["DICOMWEB_PLUGIN", "ORTHANC", "OrthancServer", "available", "requires_orthanc", "running_orthanc"]

#: The Orthanc server binary (Debian package ``orthanc``).
ORTHANC = shutil.which("Orthanc") or "/usr/sbin/Orthanc"
#: Its DICOMweb plugin (Debian package ``orthanc-dicomweb``).
DICOMWEB_PLUGIN = "/usr/share/orthanc/plugins/libOrthancDicomWeb.so"

#: Whether both are installed.
available = os.access(ORTHANC, os.X_OK) and Path(DICOMWEB_PLUGIN).is_file()

requires_orthanc = pytest.mark.skipif(
    not available,
    reason="Orthanc not installed (Debian packages orthanc and orthanc-dicomweb; .ci/run installs them)",
)

_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 10.0
_AET = "CXRQA-PACS"


@dataclass
class OrthancServer:
    """A running Orthanc: its addresses, and the means to fill and stop it.

    Attributes
    ----------
    url : str
        Base of the REST API, ``http://127.0.0.1:PORT``.
    dicomweb_url : str
        Base of the DICOMweb services (QIDO-RS, WADO-RS, STOW-RS), ``url + "/dicom-web"``.
    dicom_port : int
        Port of the DICOM server (C-STORE, C-FIND), which answers to :attr:`aet`.
    aet : str
        The server's AE title.
    log : pathlib.Path
        Orthanc's own output (stdout and stderr).
    """

    url: str
    dicomweb_url: str
    dicom_port: int
    aet: str
    log: Path
    _process: subprocess.Popen = field(repr=False)
    _log_handle: object = field(repr=False)

    def upload(self, paths: Iterable[str | Path]) -> int:
        """Store DICOM files through the REST API (``POST /instances``, one request a file).

        Returns
        -------
        int
            How many of the files Orthanc holds now (stored by this call, or already there).

        Raises
        ------
        requests.HTTPError
            When Orthanc refuses a file (not DICOM, for one).
        """
        stored = 0
        with requests.Session() as session:
            for path in paths:
                answer = session.post(f"{self.url}/instances", data=Path(path).read_bytes(), timeout=30)
                answer.raise_for_status()
                stored += answer.json().get("Status") in ("Success", "AlreadyStored")
        return stored

    def stop(self) -> None:
        """Terminate Orthanc, kill it when it has not exited within 10 s; idempotent."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=_STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=_STOP_TIMEOUT_S)
        self._log_handle.close()


@contextlib.contextmanager
def running_orthanc(tmp_path: Path, *, attempts: int = 3) -> Iterator[OrthancServer]:
    """Start Orthanc with its DICOMweb plugin in ``tmp_path``; stop it when the block ends.

    Parameters
    ----------
    tmp_path : pathlib.Path
        Folder of its configuration, storage, index and log (``orthanc/`` in it).
    attempts : int
        Starts to try; a start fails when another process takes a port between its choice and
        Orthanc's bind.

    Yields
    ------
    OrthancServer

    Raises
    ------
    RuntimeError
        When Orthanc is not installed, or did not answer within 30 s on any attempt.
    """
    if not available:
        raise RuntimeError(requires_orthanc.kwargs["reason"])
    root = tmp_path / "orthanc"
    root.mkdir(parents=True, exist_ok=True)
    failures = []
    for attempt in range(attempts):
        server = _start(root, attempt)
        if _wait_until_up(server):
            break
        server.stop()
        failures.append(server.log)
    else:
        raise RuntimeError(f"Orthanc did not start in {attempts} attempts; its logs: {', '.join(map(str, failures))}")
    try:
        yield server
    finally:
        server.stop()


def _start(root: Path, attempt: int) -> OrthancServer:
    http_port, dicom_port = _free_ports(2)
    config = {
        "Name": "cxrqa-test",
        "StorageDirectory": str(root / f"storage-{attempt}"),
        "IndexDirectory": str(root / f"index-{attempt}"),
        "HttpPort": http_port,
        "DicomPort": dicom_port,
        "DicomAet": _AET,
        "DicomCheckCalledAet": True,
        "RemoteAccessAllowed": False,
        "AuthenticationEnabled": False,
        "HttpServerEnabled": True,
        "DicomServerEnabled": True,
        "HttpThreadsCount": 8,
        "DicomThreadsCount": 2,
        "ConcurrentJobs": 1,
        "SaveJobs": False,
        "StorageCompression": False,
        "Plugins": [DICOMWEB_PLUGIN],
        "DicomWeb": {
            "Enable": True,
            "Root": "/dicom-web/",
            "EnableWado": False,
            "Ssl": False,
            "StudiesMetadata": "Full",
            "SeriesMetadata": "Full",
        },
    }
    config_path = root / f"config-{attempt}.json"
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    log = root / f"orthanc-{attempt}.log"
    handle = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 - a fixed binary and a config we wrote
        [ORTHANC, str(config_path)], stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, cwd=root
    )
    url = f"http://127.0.0.1:{http_port}"
    return OrthancServer(url, f"{url}/dicom-web", dicom_port, _AET, log, process, handle)


def _wait_until_up(server: OrthancServer) -> bool:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server._process.poll() is not None:
            return False
        try:
            if requests.get(f"{server.url}/system", timeout=2).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


def _free_ports(count: int) -> list[int]:
    """Ports free on the loopback now (the sockets are held together, so the ports differ)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
