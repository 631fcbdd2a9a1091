"""The HTML page every picture report shares: one self-contained file, no network when viewed.

No scripts, fonts, stylesheets or images are loaded from anywhere: the CSS is inline and the charts
are inline SVG. Colours come from CSS variables that follow prefers-color-scheme; print CSS lays the
page out on A4 in light colours whatever the screen uses.
"""

from __future__ import annotations

from html import escape

from crmctl.render.text import literal

CSS = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #656d76; --card: #f6f8fa;
  --line: #d8dee4; --good: #1a7f37; --bad: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --card: #161b22; --line: #30363d;
    --good: #3fb950; --bad: #f85149; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1240px; padding: 24px 28px 48px; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 14px; margin: 20px 0 8px; }
.sub { color: var(--muted); margin: 0 0 8px; }
.num, td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.good { color: var(--good); } .bad { color: var(--bad); } .neutral { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.tile { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px;
  break-inside: avoid; }
.tile h3 { margin: 0 0 4px; font-size: 12.5px; color: var(--muted); font-weight: 600; }
.tile .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile table { width: 100%; font-size: 12.5px; }
.tile td { padding: 1px 6px 1px 0; border: 0; white-space: nowrap; }
.tile td:first-child { width: 100%; }
.spark { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; letter-spacing: 0;
  white-space: pre; color: var(--muted); font-size: 11px; line-height: 1; }
.badge { font-size: 11px; border-radius: 4px; padding: 0 5px; border: 1px solid currentColor; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px 24px; }
figure.chart { margin: 0; break-inside: avoid; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
/* A wide table scrolls on its own and opens at its first column: opened scrolled to the far end
   (direction: rtl) it cut the numbers half under the metric column ("4,634.20" for 34,634.20) and
   pushed a short table against the right edge. The shade at the right edge says more is there. */
.scroll { overflow-x: auto;
  background: linear-gradient(to left, var(--bg) 40%, transparent) right / 28px 100% no-repeat local,
    linear-gradient(to left, rgba(127, 127, 127, 0.35), transparent) right / 10px 100% no-repeat scroll; }
/* The metric stays in view, above the cells that scroll under it (a faded cell's opacity gives it
   a layer of its own, which painted over a column without a z-index). */
.scroll + .scroll { margin-top: 12px; }  /* a segment's periods in tables that fit: latest first */
.scroll th:first-child { position: sticky; left: 0; z-index: 1; background: var(--bg);
  box-shadow: 1px 0 0 var(--line); }
table { border-collapse: collapse; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); }
tbody th { white-space: nowrap; font-weight: 600; }
td.missed { color: var(--bad); font-weight: 600; }
td.small { opacity: 0.55; }  /* n < min_n: a value too few observations support */
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.meta dt { color: var(--muted); } dl.meta dd { margin: 0; }
@page { size: A4; margin: 14mm 12mm; }
@page tables { size: A4 landscape; margin: 10mm; }
@media print {
  :root { color-scheme: light; --bg: #ffffff; --fg: #000000; --muted: #555555; --card: #ffffff; --line: #bbbbbb;
    --good: #1a7f37; --bad: #b3261e; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  .charts { grid-template-columns: 1fr 1fr; gap: 8px 14px; }
  .tiles { grid-template-columns: 1fr 1fr; }
  .scroll { overflow: visible; background: none; }
  section.tables { page: tables; }  /* a year and more of periods needs the width of a landscape page */
  table { font-size: 6.5pt; }
  th, td { padding: 1px 4px; }
  h2 { break-after: avoid; }
  tr, figure, .tile { break-inside: avoid; }
}
"""


def esc(value) -> str:
    """Data as HTML text: literal (control characters shown as escapes), then HTML-escaped."""
    return escape(literal(value), quote=True)


def page(title: str, subtitle: str, sections: list[str]) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="crmctl">\n<title>{esc(title)}</title>\n<style>{CSS}</style>\n'
            f'</head>\n<body>\n<header><h1>{esc(title)}</h1><p class="sub">{esc(subtitle)}</p></header>\n'
            + "\n".join(sections) + "\n</body>\n</html>\n")


def section(heading: str, body: str, css_class: str = "") -> str:
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<section{attribute}>\n<h2>{esc(heading)}</h2>\n{body}\n</section>"


def figure(svg: str, caption: str = "", metric: str = "") -> str:
    data = f' data-metric="{esc(metric)}"' if metric else ""
    text = f"<figcaption class=\"sub\">{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="chart"{data}>{svg}{text}</figure>'


def meta_list(items: list[tuple[str, str]]) -> str:
    return '<dl class="meta">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items) + "</dl>"
