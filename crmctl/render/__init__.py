"""Output: Rich tables, CSV, JSON, Markdown, HTML and charts; atomic file writes.

With cli.py, the only code that writes for people. base holds the formats and shared writers,
report the report's RENDERERS (the one switch on format), report_table the tables that fit
(statement, sparkline), report_html and cohorts_html the pages, charts the Vega-Lite specs,
cohorts, and diagnostics (check, explain, validate).
"""

from crmctl.render.base import Format, Layout, default_layout, format_value, render_records, write_output
from crmctl.render.cohorts import render_cohorts
from crmctl.render.diagnostics import render_check, render_explanation, render_validation
from crmctl.render.report import RENDERERS, render_report, report_records

__all__ = ["Format", "Layout", "RENDERERS", "default_layout", "format_value", "render_check", "render_cohorts",
           "render_explanation", "render_chart", "render_records", "render_report", "render_validation", "report_records",
           "write_output"]


def render_chart(result, metric: str | None, fmt: Format, currency: str | None = None) -> str | bytes:
    """One chart of a report for slides: fmt svg gives text, png gives bytes; metric None: the first.

    A thin door to report_html, imported only when a chart is drawn, as the CLI imports this
    package at startup."""
    from crmctl.render.report_html import render_chart as draw

    return draw(result, metric, fmt, currency)
