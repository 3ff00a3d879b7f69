"""Reading radiographs: DICOM (full grayscale pixel pipeline) and grayscale raster images."""

from cxrqa.io.errors import REASONS, UnusableImage

__all__ = ["REASONS", "UnusableImage"]
