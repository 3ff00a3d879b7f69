"""The exposure indices of digital radiography (IEC 62494-1), defined once for the archive and the audit.

IEC 62494-1 defines the exposure index EI as proportional to the detector air kerma under its
standard beam, a target exposure index EI_T per detector and examination, and the deviation index
DI = 10 log10(EI / EI_T) in dB: 0 on target, about +1 dB per 25 % too much, -3 dB at half the dose.

References
----------
.. [1] IEC 62494-1:2008 Medical electrical equipment - Exposure index of digital X-ray imaging
   systems - Part 1: Definitions and requirements for general radiography.
.. [2] Shepard SJ et al. (2009) An exposure indicator for digital radiography: AAPM Task Group 116
   (executive summary). Med Phys 36:2898-2914.
"""

from __future__ import annotations

import math

__all__ = ["deviation_index"]


def deviation_index(exposure_index: float | None, target_exposure_index: float | None) -> float | None:
    """DI = 10 log10(EI / EI_T) in dB; ``None`` unless both indices are given and positive.

    >>> deviation_index(400.0, 400.0), round(deviation_index(200.0, 400.0), 3), deviation_index(None, 400.0)
    (0.0, -3.01, None)
    """
    if exposure_index is None or target_exposure_index is None or exposure_index <= 0 or target_exposure_index <= 0:
        return None
    return 10.0 * math.log10(exposure_index / target_exposure_index)
