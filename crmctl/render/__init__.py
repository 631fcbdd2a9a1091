"""Output: Rich tables, CSV, JSON, Markdown, HTML and charts; atomic file writes.

With cli.py, the only code that writes for people. registry is the one switch on format: every kind of
result has a View (view.py) naming the function that shows it in each format it supports. base holds the
formats and shared writers, report the report's views, report_table the tables that fit (statement,
sparkline), report_html and cohorts_html the pages, charts the Vega-Lite specs, customers, at_risk, compare,
drivers, cohorts, and diagnostics (check, explain, validate, the catalogue, convert's summary).
"""

from crmctl.render.base import Format, Layout, default_layout, format_value, render_records, write_output
from crmctl.render.report import RENDERERS, render_report, report_records

__all__ = ["Format", "Layout", "RENDERERS", "default_layout", "format_value", "render_chart", "render_records",
           "render_report", "report_records", "write_output"]


def render_chart(result, metric: str | None, fmt: Format, currency: str | None = None) -> str | bytes:
    """One chart of a report for slides: fmt svg gives text, png gives bytes; metric None: the first.

    A thin door to report_html, imported only when a chart is drawn, as the CLI imports this
    package at startup."""
    from crmctl.render.report_html import render_chart as draw

    return draw(result, metric, fmt, currency)
