"""Quality check at acquisition: a DICOM Storage SCP that scores each film as it arrives.

:mod:`~cxrqa.listen.spool` (received films on disk until stored), :mod:`~cxrqa.listen.scp` (the
DICOM node, pynetdicom), :mod:`~cxrqa.listen.scorer` (takes spooled films, scores them with the
audit's own scoring and appends them to the audit store), :mod:`~cxrqa.listen.command`
(``cxrqa listen``).
"""
