"""Decoding to model inputs: diagnostic-region crop, resize, ROI masks, and the data split."""
