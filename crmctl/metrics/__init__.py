"""Metric declarations, one module per family; catalogue.py lists them in display order."""
