"""Versioned reference data with provenance: typed records (models.py) and their loaders."""
