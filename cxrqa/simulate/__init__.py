"""The digital reader study: phantoms, real-image variations, degradations, readers, DICOM output."""
