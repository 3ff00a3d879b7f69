"""Training of CaHDC-RGA per quality dimension (data, loop, validation metrics, command)."""
