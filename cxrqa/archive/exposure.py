"""Exposure indices of the archive's films, and which of them each vendor writes.

With the indices of IEC 62494-1 (:mod:`cxrqa.io.exposure`): a simulated film's detector dose is
its degradation's ``dose_factor`` (1 = well exposed), so EI = EI_T x dose_factor x a small
log-normal spread (calibration and patient-size scatter about the target).

Vendors differ in what they put in the header, which is what an audit's DI fallback must handle:

========  =====  ========================================================  ==========================
vendor    EI_T   attributes written                                        an audit's DI
========  =====  ========================================================  ==========================
Canon     400    EI (0018,1411), EI_T (0018,1412), DI (0018,1413)          read
Siemens   300    EI, EI_T                                                  computed from EI and EI_T
GE        250    EI                                                        not available
Philips   500    EI, EI_T, DI                                              read
========  =====  ========================================================  ==========================

The targets are this simulation's choice, of the order vendors ship for adult chest PA.

References
----------
.. [1] IEC 62494-1:2008 (see :mod:`cxrqa.io.exposure`).
"""

from __future__ import annotations

from cxrqa.io.exposure import deviation_index

__all__ = [
    "EI_SPREAD",
    "TARGET_EXPOSURE_INDEX",
    "WRITTEN_INDICES",
    "exposure_elements",
    "exposure_index",
]

#: Target exposure index EI_T of each vendor's chest PA protocol.
TARGET_EXPOSURE_INDEX = {"Canon": 400.0, "Siemens": 300.0, "GE": 250.0, "Philips": 500.0}

#: The exposure attributes (pydicom keywords) each vendor writes.
WRITTEN_INDICES = {
    "Canon": ("ExposureIndex", "TargetExposureIndex", "DeviationIndex"),
    "Siemens": ("ExposureIndex", "TargetExposureIndex"),
    "GE": ("ExposureIndex",),
    "Philips": ("ExposureIndex", "TargetExposureIndex", "DeviationIndex"),
}

#: Sigma of the log-normal spread of EI about ``EI_T x dose_factor``.
EI_SPREAD = 0.12


def exposure_index(vendor: str, dose_factor: float, spread: float) -> float:
    """EI of a film: the vendor's target times the detector dose relative to a good exposure.

    Parameters
    ----------
    vendor : str
        A key of :data:`TARGET_EXPOSURE_INDEX`.
    dose_factor : float
        The degradation's detector dose relative to a well-exposed film.
    spread : float
        The film's log-normal factor (median 1, sigma :data:`EI_SPREAD`).

    Examples
    --------
    >>> exposure_index("Canon", 0.5, 1.0)
    200.0
    """
    return TARGET_EXPOSURE_INDEX[vendor] * dose_factor * spread


def exposure_elements(vendor: str, ei: float) -> dict[str, str]:
    """The exposure attributes ``vendor`` writes for a film of index ``ei``, as DS strings.

    EI is written with one decimal (three below 10, so that a DI computed from the written value
    stays within 0.05 dB of the true one), EI_T with one and DI with two.

    Examples
    --------
    >>> exposure_elements("Siemens", 150.0)
    {'ExposureIndex': '150.0', 'TargetExposureIndex': '300.0'}
    >>> exposure_elements("GE", 2.5)
    {'ExposureIndex': '2.500'}
    """
    target = TARGET_EXPOSURE_INDEX[vendor]
    values = {
        "ExposureIndex": f"{ei:.1f}" if ei >= 10.0 else f"{ei:.3f}",
        "TargetExposureIndex": f"{target:.1f}",
        "DeviationIndex": f"{deviation_index(ei, target):.2f}",
    }
    return {keyword: values[keyword] for keyword in WRITTEN_INDICES[vendor]}
