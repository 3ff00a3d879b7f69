"""The DICOMweb source of the audit: find the CR and DX films of a PACS, read their headers, fetch them.

:class:`DicomwebSource` speaks to one DICOMweb service and to nothing else:

* QIDO-RS Search for Instances (PS3.18 §10.6) lists the instances of modality CR, then of
  modality DX, whose Study Date falls in ``since``-``until``, one page of ``page_size`` at a time
  (``limit`` and ``offset``, PS3.18 §8.3.4.4), so that an archive of millions is never held in
  memory; what the audit does with duplicates is its own affair, none is removed here.
* WADO-RS Retrieve Instance Metadata (PS3.18 §10.4, DICOM JSON of Annex F) gives the header the
  index pass reads (:func:`cxrqa.audit.header.index_dataset`). Values the server sends by
  reference (``BulkDataURI``: Pixel Data, for one) are left empty and never fetched.
* WADO-RS Retrieve Instance (PS3.18 §10.4) fetches the film in the transfer syntax it is stored in
  (``transfer-syntax=*``, PS3.18 §8.7.3.5), so that compressed films are not transcoded, and
  writes it as a DICOM Part 10 file for the audit's reader (:func:`cxrqa.io.read.read_radiograph`).

Requests that a server answers 408, 429, 503 or 504, or does not answer (refused connection,
timeout), are retried with exponential backoff (:func:`make_session`). What still fails raises
:class:`DicomwebError`, whose message names the URL path and the HTTP status and nothing the
server sent: no header value, no body, no query (no patient identity reaches a message or a log).

References
----------
.. [1] DICOM PS3.18 2024 Web Services: §8.3.4 Query Parameters, §8.7.3 Acceptable Transfer
   Syntaxes, §10.4 Retrieve Transaction (WADO-RS), §10.6 Search Transaction (QIDO-RS),
   Annex F DICOM JSON Model.
"""

from __future__ import annotations

import datetime as _dt
import http
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import pydicom
import requests
from dicomweb_client.api import DICOMwebClient
from pydicom.dataelem import empty_value_for_VR
from pydicom.errors import InvalidDicomError
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from cxrqa.audit.header import AUDITED_MODALITIES, HeaderError

__all__ = ["RETRY_STATUSES", "DicomwebError", "DicomwebSource", "InstanceRef", "make_session", "study_date_range"]

#: HTTP statuses after which a GET is tried again: Request Timeout, Too Many Requests,
#: Service Unavailable, Gateway Timeout.
RETRY_STATUSES = (408, 429, 503, 504)

_T = TypeVar("_T")
_STUDY, _SERIES, _INSTANCE = "0020000D", "0020000E", "00080018"
# Archives hold UIDs that break PS3.5 §9.1 (leading zeros, letters), and the audit must still
# reach those films; what could leave the instance's URL path (/ ? # @ % \ or blanks) is refused.
_USABLE_UID = re.compile(r"[^/?#@%\\\s\x00-\x1f\x7f]{1,128}")


class DicomwebError(Exception):
    """A DICOMweb request that failed after its retries, or whose answer could not be decoded.

    Attributes
    ----------
    path : str
        The URL path requested (no host, no query).
    status : int or None
        The last HTTP status, ``None`` when the server did not answer.
    transient : bool
        Whether trying again later may succeed: no answer, or a status of :data:`RETRY_STATUSES`.
    """

    def __init__(self, path: str, status: int | None, problem: str = "") -> None:
        self.path, self.status = path, status
        if status is None:
            what = problem or "no answer"
        else:
            try:
                phrase = http.HTTPStatus(status).phrase
            except ValueError:
                phrase = ""
            what = " ".join(filter(None, (f"HTTP {status}", phrase, problem and f"({problem})")))
        super().__init__(f"DICOMweb GET {path}: {what}")

    @property
    def transient(self) -> bool:
        """Whether the failure is one that trying again later may mend."""
        return self.status is None or self.status in RETRY_STATUSES


def make_session(retries: int, backoff_s: float) -> requests.Session:
    """An HTTP session that retries a GET answered 408, 429, 503 or 504, or not answered.

    Parameters
    ----------
    retries : int
        Retries after the first try (0: none); a connection error, a read timeout and a
        retriable status each spend one.
    backoff_s : float
        Backoff factor: the first retry goes at once, the n-th in a row (n >= 2) after
        ``backoff_s * 2 ** (n - 1)`` seconds (at most 120), or after what the answer's
        ``Retry-After`` header asks for.

    Returns
    -------
    requests.Session
        Its last answer is returned, not raised, when the retries are spent on a status (the
        caller sees the status); redirects are refused, so that no request leaves the URL given.
        A ``Warning`` header is dropped from every answer: dicomweb-client logs it verbatim, and
        no header value may reach a log.
    """
    _check_retries(retries, backoff_s)
    retry = Retry(
        total=retries,
        backoff_factor=backoff_s,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = 0
    session.hooks["response"].append(_drop_warning)
    return session


def _drop_warning(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    response.headers.pop("Warning", None)


@dataclass(frozen=True)
class InstanceRef:
    """One instance of the archive, by its Study, Series and SOP Instance UIDs."""

    study: str
    series: str
    instance: str

    def url(self, base: str) -> str:
        """The instance's WADO-RS URL under the service ``base`` (the audit's ``source`` of the film).

        >>> InstanceRef("1.2", "1.2.3", "1.2.3.4").url("http://pacs/dicom-web/")
        'http://pacs/dicom-web/studies/1.2/series/1.2.3/instances/1.2.3.4'
        """
        study, series, instance = (quote(uid, safe="") for uid in (self.study, self.series, self.instance))
        return f"{base.rstrip('/')}/studies/{study}/series/{series}/instances/{instance}"


class DicomwebSource:
    """The CR and DX instances of one DICOMweb service in a Study Date range.

    Parameters
    ----------
    url : str
        Base URL of the DICOMweb service (QIDO-RS and WADO-RS under the same root),
        e.g. ``http://pacs:8042/dicom-web``.
    since, until : datetime.date or None
        First and last Study Date searched, inclusive; ``None`` leaves that end open.
    retries : int
        Retries of a request (:func:`make_session`).
    backoff_s : float
        Backoff factor of the retries, seconds.
    timeout_s : float
        Connect and read timeout of one request, seconds.
    page_size : int
        Results asked for per QIDO-RS request.

    Notes
    -----
    The source pickles without its HTTP session (a fresh one is made where it is unpickled), so
    it can be sent to Dask workers.
    """

    def __init__(
        self,
        url: str,
        *,
        since: _dt.date | None,
        until: _dt.date | None,
        retries: int,
        backoff_s: float,
        timeout_s: float = 60,
        page_size: int = 500,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the DICOMweb URL must be http:// or https:// with a host")
        if page_size < 1:
            raise ValueError(f"page_size must be >= 1, got {page_size}")
        self.url = url.rstrip("/")
        self.study_dates = study_date_range(since, until)
        self.retries, self.backoff_s, self.timeout_s, self.page_size = retries, backoff_s, timeout_s, page_size
        _check_retries(retries, backoff_s)
        self._root = parts.path.rstrip("/")
        self._client: DICOMwebClient | None = None
        #: Search results of the last :meth:`iter_instances` without three usable UIDs.
        self.passed_over = 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_client": None}

    def close(self) -> None:
        """Close the HTTP session (a later request opens a new one)."""
        if self._client is not None:
            self._client._session.close()
            self._client = None

    def source(self, ref: InstanceRef) -> str:
        """The WADO-RS URL of ``ref``: the audit's ``source`` column."""
        return ref.url(self.url)

    def iter_instances(self) -> Iterator[InstanceRef]:
        """The CR, then the DX instances in the date range, as the server lists them, page by page.

        The pages are asked for until one comes back empty: a server may send fewer results
        than asked for while more remain (PS3.18 §8.3.4.4).

        Yields
        ------
        InstanceRef
            One for each result with three usable UIDs; the others are passed over and counted
            in :attr:`passed_over`.

        Raises
        ------
        DicomwebError
            When a search fails, or the server repeats a page (it ignores ``offset``).
        """
        path = f"{self._root}/instances"
        self.passed_over = 0
        for modality in AUDITED_MODALITIES:
            filters = {"Modality": modality}
            if self.study_dates:
                filters["StudyDate"] = self.study_dates
            offset, previous = 0, None
            while True:
                page = self._call(path, lambda: self.client.search_for_instances(
                    search_filters=dict(filters), limit=self.page_size, offset=offset,
                ))  # fmt: skip
                if not page:
                    break
                if page == previous:
                    raise DicomwebError(path, 200, "the server ignores offset: the same page twice")
                for result in page:
                    ref = _instance_ref(result)
                    if ref is None:
                        self.passed_over += 1
                    else:
                        yield ref
                if len(page) > self.page_size:  # the server ignored limit: that was everything
                    break
                offset, previous = offset + len(page), page

    def read_header(self, ref: InstanceRef) -> pydicom.Dataset:
        """The instance's header by WADO-RS Retrieve Instance Metadata; no bulk data is fetched.

        Raises
        ------
        DicomwebError
            When the request fails.
        cxrqa.audit.header.HeaderError
            When the answer is not a DICOM JSON dataset.
        """
        path = f"{self._path(ref)}/metadata"
        metadata = self._call(
            path, lambda: self.client.retrieve_instance_metadata(ref.study, ref.series, ref.instance)
        )
        try:
            return pydicom.Dataset.from_json(metadata, bulk_data_uri_handler=_leave_empty)
        except (TypeError, ValueError, KeyError, AttributeError):
            raise HeaderError(f"the metadata of {path} is not a DICOM JSON dataset") from None

    def fetch(self, ref: InstanceRef, dest: Path) -> Path:
        """Retrieve the instance by WADO-RS in its stored transfer syntax and write it to ``dest``.

        The file appears whole or not at all (written beside ``dest``, then renamed).

        Returns
        -------
        pathlib.Path
            ``dest``, a DICOM Part 10 file.

        Raises
        ------
        DicomwebError
            When the request fails or its answer is not one DICOM instance.
        """
        path = self._path(ref)
        dataset = self._call(path, lambda: self.client.retrieve_instance(
            ref.study, ref.series, ref.instance, media_types=(("application/dicom", "*"),),
        ))  # fmt: skip
        dest = Path(dest)
        partial = dest.with_name(f".{dest.name}.{os.getpid()}.part")
        try:
            dataset.save_as(partial, enforce_file_format=True)
            partial.replace(dest)
        finally:
            partial.unlink(missing_ok=True)
        return dest

    @property
    def client(self) -> DICOMwebClient:
        """The client of the service, made on first use."""
        if self._client is None:
            client = DICOMwebClient(
                url=self.url, session=make_session(self.retries, self.backoff_s), timeout=self.timeout_s,
                permissive_uid=True,
            )
            # Retries are the session's alone; the client's own would multiply them.
            client.set_http_retry_params(retry=False)
            self._client = client
        return self._client

    def _path(self, ref: InstanceRef) -> str:
        return urlsplit(ref.url(self.url)).path

    def _call(self, path: str, request: Callable[[], _T]) -> _T:
        """Run one request of the client; every failure becomes a :class:`DicomwebError`.

        Exceptions raised by requests and dicomweb-client quote the full URL (with its query) or
        a header value; none is kept, not even as the cause, so that no traceback shows one.
        """
        try:
            return request()
        except requests.TooManyRedirects as error:
            status = error.response.status_code if error.response is not None else None
            raise DicomwebError(path, status, "redirected; give the URL the server redirects to") from None
        except requests.HTTPError as error:
            status = error.response.status_code if error.response is not None else None
            raise DicomwebError(path, status) from None
        except requests.JSONDecodeError:
            raise DicomwebError(path, 200, "the answer is not JSON") from None
        except requests.RequestException as error:
            raise DicomwebError(path, None, f"no answer: {type(error).__name__}") from None
        except (ValueError, TypeError, KeyError, IndexError, InvalidDicomError) as error:
            raise DicomwebError(path, 200, f"an undecodable answer: {type(error).__name__}") from None


def study_date_range(since: _dt.date | None, until: _dt.date | None) -> str:
    """The QIDO-RS range matching value of Study Date (PS3.4 C.2.2.2.5), ``""`` for no bound.

    >>> study_date_range(_dt.date(2024, 1, 1), None), study_date_range(None, _dt.date(2024, 3, 31))
    ('20240101-', '-20240331')
    >>> study_date_range(_dt.date(2024, 1, 1), _dt.date(2024, 3, 31)), study_date_range(None, None)
    ('20240101-20240331', '')
    """
    if since is not None and until is not None and since > until:
        raise ValueError(f"since {since} is after until {until}")
    if since is None and until is None:
        return ""
    return f"{since.strftime('%Y%m%d') if since else ''}-{until.strftime('%Y%m%d') if until else ''}"


def _check_retries(retries: int, backoff_s: float) -> None:
    if retries < 0 or backoff_s < 0:
        raise ValueError(f"retries and backoff_s must be >= 0, got {retries} and {backoff_s}")


def _instance_ref(result: object) -> InstanceRef | None:
    try:
        uids = [result[tag]["Value"][0] for tag in (_STUDY, _SERIES, _INSTANCE)]  # type: ignore[index]
    except (TypeError, KeyError, IndexError):
        return None
    if not all(isinstance(uid, str) and _USABLE_UID.fullmatch(uid) for uid in uids):
        return None
    return InstanceRef(*uids)


def _leave_empty(tag: str, vr: str, uri: str) -> Any:
    """Bulk data handler of :meth:`pydicom.Dataset.from_json`: the VR's empty value, nothing fetched."""
    return empty_value_for_VR(vr)
