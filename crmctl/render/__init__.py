"""Output: Rich tables, CSV, JSON, Markdown; atomic file writes.

With cli.py, the only code that writes for people. base holds the formats and shared writers,
report the report's RENDERERS (the one switch on format), cohorts, and diagnostics (check,
explain, validate).
"""

from crmctl.render.base import Format, Layout, default_layout, format_value, render_records, write_output
from crmctl.render.cohorts import render_cohorts
from crmctl.render.diagnostics import render_check, render_explanation, render_validation
from crmctl.render.report import RENDERERS, render_report, report_records

__all__ = ["Format", "Layout", "RENDERERS", "default_layout", "format_value", "render_check", "render_cohorts",
           "render_explanation", "render_records", "render_report", "render_validation", "report_records",
           "write_output"]
