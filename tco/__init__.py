"""TCO/ROI engine: cost models, finance primitives and scenario sweeps."""
