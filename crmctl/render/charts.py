"""Charts as data: small functions build Vega-Lite specs; one step renders them with vl-convert.

The specs are plain dicts (tests assert on them). Rendering happens offline, with no browser:
vl-convert embeds the Vega JavaScript runtime. Inside the HTML report the charts draw their axes and
labels in `currentColor`, so they follow the page's light or dark colours; a chart written on its own
(--format svg|png, for slides) has fixed dark-on-white colours instead.
"""

from __future__ import annotations

import math

from crmctl.errors import OutputError
from crmctl.render.text import literal

INSTALL_HINT = "pip install 'crmctl[html]'  (with pipx: pipx inject crmctl vl-convert-python)"
# "~" trims trailing zeros, so that ticks at 0.5% steps read 0.5%, 1%, 1.5% rather than 1%, 1%, 2%.
_AXIS_FORMAT = {"ratio": ".1~%", "count": ",.0f", "money": ",.2~f"}
_TIME_FORMAT = {"day": "%d %b", "week": "%d %b", "month": "%b %Y", "quarter": "%b %Y", "year": "%Y", "all": "%b %Y"}


def _theme(inline: bool) -> dict:
    ink = "currentColor" if inline else "#222222"
    axis = {"labelColor": ink, "titleColor": ink, "domainColor": ink, "tickColor": ink, "gridColor": ink,
            "gridOpacity": 0.12, "labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal"}
    return {"axis": axis, "legend": {"labelColor": ink, "titleColor": ink, "labelFontSize": 11, "orient": "bottom"},
            "title": {"color": ink, "anchor": "start", "fontSize": 13}, "view": {"stroke": None},
            "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"}


def line_spec(points: list[dict], *, title: str, unit: str, period: str, rules: list[dict],
              segmented: bool, inline: bool = True) -> dict:
    """A line per segment over the periods. points: {period, segment, value, small}; rules: {segment, bound,
    kind} for targets (one rule each; segment None when it applies to all), each labelled at its right end.

    A point from too small a sample (small: n < min_n) is drawn hollow, off the line, and left out of the
    scale (clamped to its edge): a 100% churn at n = 1 must not flatten every other point."""
    y = {"field": "value", "type": "quantitative", "title": None, "scale": {"zero": unit in ("count", "money")},
         "axis": {"format": _AXIS_FORMAT.get(unit, ",.1~f"), **({"tickMinStep": 1} if unit == "count" else {})}}
    reliable = [p["value"] for p in points if not p.get("small")]
    if reliable and len(reliable) < len(points):
        bounds = reliable + [r["bound"] for r in rules]
        low = 0 if y["scale"]["zero"] else min(bounds)
        y["scale"].update(domain=[min(low, min(bounds)), max(bounds)], clamp=True, nice=True)
    x = {"field": "period", "type": "temporal", "title": None,
         "axis": {"format": _TIME_FORMAT.get(period, "%Y-%m-%d"), "labelOverlap": True, "tickCount": 6}}
    color = {"color": {"field": "segment", "type": "nominal", "title": None}} if segmented else {}
    line = {"transform": [{"filter": "!datum.small"}],
            "mark": {"type": "line", "point": {"size": 28}, "strokeWidth": 2}, "encoding": {"x": x, "y": y, **color}}
    layers = [line]
    if rules:
        layers += _rule_layers(rules, unit, segmented)
    if len(reliable) < len(points):
        layers.append({"transform": [{"filter": "datum.small"}],
                       "mark": {"type": "point", "filled": False, "size": 36, "strokeWidth": 1.5},
                       "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}, **color}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "width": 560, "height": 180, "background": None if inline else "white",
            "data": {"values": points}, "layer": layers, "config": _theme(inline)}


def _rule_layers(rules: list[dict], unit: str, segmented: bool) -> list[dict]:
    """The target lines, dashed, and their labels ("target ≥ 500.00") above their right ends."""
    from crmctl.render.base import format_value

    shared: dict[tuple, list] = {}  # segments with the same bound share a label: two would overprint
    for r in rules:
        shared.setdefault((r["bound"], r["kind"]), []).append(r["segment"])
    labels = [{"segment": names[0], "bound": bound, "kind": kind,
               "label": f"{', '.join(n for n in names if n) + ' ' if any(names) else ''}target "
                        f"{'≥' if kind == 'min' else '≤'} {format_value(bound, unit)}"}
              for (bound, kind), names in shared.items()]
    color = ({"color": {"field": "segment", "type": "nominal", "title": None}}
             if segmented and any(r["segment"] for r in rules) else {"color": {"value": "#d62728"}})
    y = {"field": "bound", "type": "quantitative"}
    rule = {"data": {"values": rules}, "mark": {"type": "rule", "strokeDash": [5, 4], "strokeWidth": 1.5,
                                                   "opacity": 0.8}, "encoding": {"y": y, **color}}
    text = {"data": {"values": labels}, "mark": {"type": "text", "align": "right", "baseline": "bottom", "dy": -2,
                                                   "fontSize": 10, "x": {"expr": "width"}},
            "encoding": {"y": y, "text": {"field": "label"}, **color}}
    return [rule, text]


def heatmap_spec(cells: list[dict], *, title: str, period: str, top: float = 1.0, inline: bool = True,
                 around_one: bool = False) -> dict:
    """Cohort × period index; cells: {cohort, index, rate}. Retention: colour runs from 0 to `top`.
    around_one (revenue vs the acquisition period): a ratio, so a log scale centred on 100%, spread to
    cover 95% of the cells (clamped beyond): a linear 0–200% scale left most cells one saturated colour."""
    if around_one:
        spread = revenue_spread([c["rate"] for c in cells])
        cells = [{**c, "shade": min(max(c["rate"], 1 / spread), spread)} for c in cells]
        scale = {"type": "log", "scheme": "blueorange", "domain": [1 / spread, spread], "domainMid": 1,
                 "clamp": True}
        stops = [1 / spread, 1, spread]
        dark = f"abs(log(datum.shade)) > {0.6 * math.log(spread)}"  # the ends of the scheme are dark
    else:
        cells = [{**c, "shade": c["rate"]} for c in cells]
        scale = {"scheme": "viridis", "domain": [0, top], "clamp": True}
        stops = [top * i / 4 for i in range(5)]
        dark = f"datum.rate <= {top * 0.55}"
    legend = {"format": ".0%", "values": stops, "gradientLength": 220}
    rect = {"mark": "rect",
            "encoding": {"x": {"field": "index", "type": "ordinal", "title": f"{period}s since acquisition"},
                         "y": {"field": "cohort", "type": "ordinal", "title": None},
                         "color": {"field": "shade", "type": "quantitative", "title": None, "legend": legend,
                                   "scale": scale}}}
    text = {"mark": {"type": "text", "fontSize": 8.5},
            "encoding": {"x": {"field": "index", "type": "ordinal"}, "y": {"field": "cohort", "type": "ordinal"},
                         "text": {"field": "rate", "type": "quantitative", "format": ".0%"},
                         "color": {"condition": {"test": dark, "value": "white"}, "value": "black"}}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "width": {"step": 32}, "height": {"step": 16}, "background": None if inline else "white",
            "data": {"values": cells}, "layer": [rect, text], "config": _theme(inline)}


def revenue_spread(rates: list[float]) -> float:
    """The power of two (at least 2) that 95% of the cells lie within, up or down from 100%."""
    distances = sorted(max(r, 1 / r) for r in rates if r and r > 0)
    if not distances:
        return 2.0
    p95 = distances[min(len(distances) - 1, int(0.95 * len(distances)))]
    return float(2 ** max(1, math.ceil(math.log2(p95))))


def interval_spec(groups: list[dict], *, title: str, unit: str, inline: bool = True) -> dict:
    """Each group's value and interval on one axis, the control's value as a dashed line: compare's
    picture. groups: {group, value, ci_low, ci_high, status} with status control, significant or noise."""
    x = {"field": "value", "type": "quantitative", "title": None, "scale": {"zero": False},
         "axis": {"format": _AXIS_FORMAT.get(unit, ",.1~f"), "tickCount": 6, "labelOverlap": True}}
    y = {"field": "group", "type": "nominal", "title": None, "sort": None}
    color = {"field": "status", "type": "nominal", "title": None,
             "scale": {"domain": ["control", "significant", "within noise"],
                       "range": ["#6e7781", "#d62728", "#1f77b4"]}}
    interval = {"mark": {"type": "rule", "strokeWidth": 2},
                "encoding": {"x": {**x, "field": "ci_low"}, "x2": {"field": "ci_high"}, "y": y, "color": color}}
    point = {"mark": {"type": "point", "filled": True, "size": 60}, "encoding": {"x": x, "y": y, "color": color}}
    control = {"transform": [{"filter": "datum.status === 'control'"}],
               "mark": {"type": "rule", "strokeDash": [4, 3], "opacity": 0.6}, "encoding": {"x": x}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "width": 480, "height": {"step": 24}, "background": None if inline else "white",
            "data": {"values": groups}, "layer": [control, interval, point], "config": _theme(inline)}


def _converter():
    try:
        import vl_convert
    except ImportError:
        raise OutputError(f"charts (--format html, svg, png) need vl-convert-python: {INSTALL_HINT}") from None
    return vl_convert


def _literal_values(spec):
    """Every string of a spec literal: segment names from data reach the SVG as text, and a control
    character there is no XML (vl-convert aborts the whole process on one)."""
    if isinstance(spec, dict):
        return {k: _literal_values(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_literal_values(v) for v in spec]
    return literal(spec) if isinstance(spec, str) else spec


def to_svg(spec: dict) -> str:
    svg = _converter().vegalite_to_svg(_literal_values(spec))
    # Inline <svg> in HTML needs no namespace declarations; dropping them leaves no http(s) URL in the page.
    return svg.replace(' xmlns="http://www.w3.org/2000/svg"', "").replace(
        ' xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def to_file_svg(spec: dict) -> str:
    return _converter().vegalite_to_svg(_literal_values(spec))


def to_png(spec: dict) -> bytes:
    return _converter().vegalite_to_png(_literal_values(spec), scale=2)
