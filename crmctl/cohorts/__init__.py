"""Acquisition cohorts: the retention triangle and its sBG projection."""
