"""Aggregate reports: plan, build, grid, uncertainty, targets marking, explain, check, the catalogue view."""
