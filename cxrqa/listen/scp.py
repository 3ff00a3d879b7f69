"""The DICOM node: a Storage SCP (pynetdicom) that writes each received film to the spool and answers at once.

It accepts the CR and DX storage SOP classes (and Verification, so a modality's "echo" works) in
the usual transfer syntaxes: uncompressed, JPEG, JPEG-LS, JPEG 2000 and RLE. A received instance
is written whole to the spool (:class:`~cxrqa.listen.spool.Spool`) before the C-STORE is answered
with success; scoring happens later, in the scorer. A full spool refuses: a new association is
rejected (transient, local limit exceeded) and a C-STORE inside an open one is answered
``0xA700`` (out of resources), so the sender keeps the film and retries instead of it being lost.

Nothing here logs a tag value: pynetdicom logs whole datasets at DEBUG, so its logger is held at
WARNING (:func:`quiet_pynetdicom`), and our own lines name counts only.

References
----------
.. [1] DICOM PS3.4 Annex B (Storage Service Class): status 0xA700 "Refused: Out of Resources".
.. [2] DICOM PS3.8 §9.3.4 (A-ASSOCIATE-RJ): result 2 (transient), source 3 (service provider,
   presentation), reason 2 (local limit exceeded).
"""

from __future__ import annotations

import logging
from typing import Any

from pydicom import uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import Verification

from cxrqa.listen.spool import Spool, SpoolFull

__all__ = ["ACCEPTED_SOP_CLASSES", "ACCEPTED_TRANSFER_SYNTAXES", "STATUS_OUT_OF_RESOURCES", "SpoolingAE", "make_ae", "quiet_pynetdicom"]

LOG = logging.getLogger("cxrqa.listen")

#: Storage SOP classes the node accepts: computed and digital radiography.
ACCEPTED_SOP_CLASSES = (
    "1.2.840.10008.5.1.4.1.1.1",  # Computed Radiography Image Storage
    "1.2.840.10008.5.1.4.1.1.1.1",  # Digital X-Ray Image Storage - For Presentation
    "1.2.840.10008.5.1.4.1.1.1.1.1",  # Digital X-Ray Image Storage - For Processing
)
#: Transfer syntaxes accepted for them.
ACCEPTED_TRANSFER_SYNTAXES = (
    uid.ExplicitVRLittleEndian, uid.ImplicitVRLittleEndian, uid.DeflatedExplicitVRLittleEndian,
    uid.JPEGBaseline8Bit, uid.JPEGExtended12Bit, uid.JPEGLossless, uid.JPEGLosslessSV1,
    uid.JPEGLSLossless, uid.JPEGLSNearLossless, uid.JPEG2000Lossless, uid.JPEG2000, uid.RLELossless,
)  # fmt: skip
#: C-STORE status of a full spool: Refused, Out of Resources.
STATUS_OUT_OF_RESOURCES = 0xA700
#: C-STORE status of an instance that could not be written: Error, Cannot Understand.
STATUS_CANNOT_UNDERSTAND = 0xC000


def quiet_pynetdicom() -> None:
    """Hold pynetdicom's loggers at WARNING: at DEBUG and INFO they print datasets and AE details."""
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)


def make_ae(ae_title: str, spool: Spool, *, max_associations: int = 8) -> Any:
    """A pynetdicom Application Entity that stores CR/DX films in ``spool``.

    Parameters
    ----------
    ae_title : str
        The node's AE title (up to 16 characters).
    spool : Spool
        Where received films go.
    max_associations : int
        Concurrent associations accepted.

    Returns
    -------
    tuple
        ``(ae, handlers)``: pass both to ``ae.start_server((host, port), evt_handlers=handlers)``.
    """
    if not 1 <= len(ae_title.strip()) <= 16:
        raise ValueError(f"an AE title holds 1 to 16 characters, got {len(ae_title.strip())}")
    quiet_pynetdicom()
    ae = SpoolingAE(spool, ae_title=ae_title.strip())
    ae.maximum_associations = max_associations
    ae.maximum_pdu_size = 0  # no limit: large films in fewer PDUs
    for sop_class in ACCEPTED_SOP_CLASSES:
        ae.add_supported_context(sop_class, list(ACCEPTED_TRANSFER_SYNTAXES))
    ae.add_supported_context(Verification)
    handlers = [(evt.EVT_C_STORE, _store_handler(spool)), (evt.EVT_REJECTED, _log_rejected)]
    return ae, handlers


def _store_handler(spool: Spool):
    def handle_store(event) -> int:
        try:
            dataset = event.dataset
            dataset.file_meta = event.file_meta
            spool.put(dataset)
        except SpoolFull:
            LOG.warning("spool full (%d films): refused a film with 0xA700, the sender keeps it", spool.limit)
            return STATUS_OUT_OF_RESOURCES
        except Exception as error:  # noqa: BLE001 - a malformed instance: refused, never the node's end
            LOG.warning("could not spool a received instance (%s); refused with 0xC000", type(error).__name__)
            return STATUS_CANNOT_UNDERSTAND
        return 0x0000

    return handle_store


def _log_rejected(event) -> None:
    LOG.warning("association refused: the spool is full or the association limit reached")


class SpoolingAE(AE):
    """An AE whose association limit drops to none while its spool is full.

    pynetdicom rejects an association request with (transient, service provider presentation,
    local limit exceeded) when the acceptors would exceed ``maximum_associations``; reading it as
    0 while the spool is full makes that check refuse every new association until the scorer has
    made room.
    """

    def __init__(self, spool: Spool, **kwargs):
        super().__init__(**kwargs)
        self._spool = spool

    @property
    def maximum_associations(self) -> int:
        return 0 if self._spool.full() else self._maximum_associations

    @maximum_associations.setter
    def maximum_associations(self, value: int) -> None:
        AE.maximum_associations.fset(self, value)
