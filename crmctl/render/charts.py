"""Charts as data: small functions build Vega-Lite specs; one step renders them with vl-convert.

The specs are plain dicts (tests assert on them). Rendering happens offline, with no browser:
vl-convert embeds the Vega JavaScript runtime. Inside the HTML report the charts draw their axes and
labels in `currentColor`, so they follow the page's light or dark colours; a chart written on its own
(--format svg|png, for slides) has fixed dark-on-white colours instead.
"""

from __future__ import annotations

from crmctl.errors import OutputError
from crmctl.render.text import literal

INSTALL_HINT = "pip install 'crmctl[html]'  (with pipx: pipx inject crmctl vl-convert-python)"
_AXIS_FORMAT = {"ratio": ".0%", "count": ",.0f", "money": ",.0f"}
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
    """A line per segment over the periods. points: {period, segment, value}; rules: {segment, bound, kind}
    for targets (one rule each; segment None when it applies to all)."""
    y = {"field": "value", "type": "quantitative", "title": None, "scale": {"zero": unit in ("count", "money")},
         "axis": {"format": _AXIS_FORMAT.get(unit, ",.1f")}}
    line = {"mark": {"type": "line", "point": {"size": 28}, "strokeWidth": 2},
            "encoding": {"x": {"field": "period", "type": "temporal", "title": None,
                               "axis": {"format": _TIME_FORMAT.get(period, "%Y-%m-%d"), "labelOverlap": True,
                                        "tickCount": 6}},
                         "y": y}}
    if segmented:
        line["encoding"]["color"] = {"field": "segment", "type": "nominal", "title": None}
    layers = [line]
    if rules:
        layers.append({"data": {"values": rules},
                       "mark": {"type": "rule", "strokeDash": [5, 4], "strokeWidth": 1.5, "opacity": 0.8},
                       "encoding": {"y": {"field": "bound", "type": "quantitative"},
                                    **({"color": {"field": "segment", "type": "nominal", "title": None}}
                                       if segmented and any(r["segment"] for r in rules) else
                                       {"color": {"value": "#d62728"}})}})
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "width": 560, "height": 180, "background": None if inline else "white",
            "data": {"values": points}, "layer": layers, "config": _theme(inline)}


def heatmap_spec(cells: list[dict], *, title: str, period: str, top: float = 1.0, inline: bool = True) -> dict:
    """Cohort × period index; cells: {cohort, index, rate}. Colour runs from 0 to `top` (clamped above:
    revenue retention can pass 100%, and one 1400% cell must not wash out the rest)."""
    legend = {"format": ".0%", "values": [top * i / 4 for i in range(5)], "gradientLength": 220}
    rect = {"mark": "rect",
            "encoding": {"x": {"field": "index", "type": "ordinal", "title": f"{period}s since acquisition"},
                         "y": {"field": "cohort", "type": "ordinal", "title": None},
                         "color": {"field": "rate", "type": "quantitative", "title": None, "legend": legend,
                                   "scale": {"scheme": "viridis", "domain": [0, top], "clamp": True}}}}
    text = {"mark": {"type": "text", "fontSize": 8.5},
            "encoding": {"x": {"field": "index", "type": "ordinal"}, "y": {"field": "cohort", "type": "ordinal"},
                         "text": {"field": "rate", "type": "quantitative", "format": ".0%"},
                         "color": {"condition": {"test": f"datum.rate > {top * 0.55}", "value": "black"},
                                   "value": "white"}}}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "title": title,
            "width": {"step": 32}, "height": {"step": 16}, "background": None if inline else "white",
            "data": {"values": cells}, "layer": [rect, text], "config": _theme(inline)}


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
