"""cxrqa."""
