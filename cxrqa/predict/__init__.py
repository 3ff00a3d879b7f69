"""Prediction with trained CaHDC-RGA models: per split, attention overlays, any radiograph file."""
