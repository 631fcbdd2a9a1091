"""Churn drivers for people (attributes ranked, values under each, the NPS verdict) and for tools
(long CSV rows; JSON {meta, overall, attributes, nps})."""

from __future__ import annotations

from crmctl.render.base import Format, csv_text, jsonable, markdown_table
from crmctl.render.text import json_text, literal
from crmctl.render.view import Options, View

CSV_COLUMNS = ["rank", "attribute", "cramers_v", "p_value", "p_adjusted", "significant", "value", "n", "churned",
               "rate", "ci_low", "ci_high", "lift"]
TABLE_COLUMNS = ["attribute", "Cramér's V", "p (Holm)", "value", "n", "churned", "churn rate", "95% CI", "lift"]


def drivers_records(result) -> list[dict]:
    """One row per attribute value, attributes in rank order (CSV, and the tables built from it)."""
    return [{"rank": rank, "attribute": a["name"], "cramers_v": a["measure"], "p_value": a["p_value"],
             "p_adjusted": a["p_adjusted"], "significant": _yes_no(a["significant"]), **v}
            for rank, a in enumerate(result.attributes, start=1) for v in a["values"]]


def drivers_json(result) -> dict:
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return jsonable(value)

    return clean({"meta": result.meta, "overall": result.overall, "attributes": result.attributes, "nps": result.nps})


def _markdown(result, options: Options) -> str:
    return "\n\n".join(_summary(result)) + "\n\n" + markdown_table(TABLE_COLUMNS, _table_rows(result))


def _table(result, options: Options) -> str:
    from crmctl.render.text_table import Column, TextTable, table_text, wrapped

    rows, summary = _table_rows(result), _summary(result)
    # On a narrow terminal the counts go first: the rate, its interval and the lift carry the finding.
    title = ("Churn drivers, strongest first" if result.meta.get("significant", 1) else
             "Attributes by Cramér's V (none separates churners significantly)")
    table = TextTable([Column(c, numeric=c not in ("attribute", "value"), wrap=c in ("attribute", "value"))
                       for c in TABLE_COLUMNS], [[row[c] for c in TABLE_COLUMNS] for row in rows],
                      title=title, drop_first=("churned", "n", "p", "Cramér's V"),
                      sections={i for i, row in enumerate(rows) if row["_last"]})
    lead = "".join(wrapped(line, options.width) + "\n" for line in summary[:2])
    return lead + table_text([table], color=options.color, width=options.width, notes=summary[2:])


def _summary(result) -> list[str]:
    o = result.overall
    window = result.meta.get("window")
    where = f"active on {window['from']}, churned by {window['to']}" if window else "every customer in the snapshot"
    rate = "no customers" if not o["n"] else f"{o['churned']:,} of {o['n']:,} churned ({_pct(o['rate'])})"
    lines = [f"Population: {where}: {rate}.", _verdict(result.meta)]
    near = result.meta.get("near_churn") or []
    if near:
        names = ", ".join(literal(n) for n in near)  # dimension names come from the config: data
        lines[1] += (f" {names} all but restate{'s' * (len(near) == 1)} churn (Cramér's V ≥ 0.9): "
                     "a column derived from churn (a status) is no driver; map it as churned or leave it out.")
    if result.nps is not None:
        lines.append(result.nps["verdict"] + ".")
    return lines


def _verdict(meta: dict) -> str:
    """Whether any attribute separates churners, so a ranking of noise is not read as one of causes."""
    tested, found = meta.get("tested", 0), meta.get("significant", 0)
    level = f"p < {meta.get('alpha', 0.05):g} after Holm's correction over {tested} attribute{'s' * (tested != 1)}"
    if not tested:
        return "No attribute could be tested (one value only, or nobody or everybody churned)."
    if not found:
        return (f"No attribute separates churners from stayers ({level}): the order is by effect size "
                "and may be noise.")
    return f"{found} of {tested} attributes separate churners from stayers ({level})."


def _table_rows(result) -> list[dict]:
    rows = []
    for a in result.attributes:
        for i, v in enumerate(a["values"]):
            first = i == 0
            rows.append({
                "attribute": literal(a["name"]) if first else "",
                "Cramér's V": ("" if a["measure"] is None else f"{a['measure']:.3f}") if first else "",
                "p (Holm)": (a["note"] or _p(a["p_adjusted"])) if first else "",
                "value": literal(v["value"]), "n": f"{v['n']:,}", "churned": f"{v['churned']:,}",
                "churn rate": _pct(v["rate"]), "95% CI": f"{_pct(v['ci_low'])}–{_pct(v['ci_high'])}",
                "lift": "" if v["lift"] is None else f"{v['lift']:.2f}",
                "_last": i == len(a["values"]) - 1,  # a rule under an attribute's last value
            })
    return rows


def _yes_no(value) -> str | None:
    return None if value is None else str(value).lower()  # true/false, as in the JSON


def _pct(value) -> str:
    return "" if value is None else f"{value:.1%}"


def _p(value) -> str:
    return "" if value is None else "<0.001" if value < 0.001 else f"{value:.3f}"


DRIVERS = View("crmctl drivers", {
    Format.table: _table,
    Format.csv: lambda result, options: csv_text(CSV_COLUMNS, drivers_records(result), options.raw),
    Format.json: lambda result, options: json_text(drivers_json(result)),
    Format.markdown: _markdown,
})
