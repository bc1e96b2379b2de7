"""Versioned prompt files (name/vX.Y.Z.yaml) and their loader; the graphs load the active version."""
