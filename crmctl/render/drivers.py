"""Churn drivers for people (attributes ranked, values under each, the NPS verdict) and for tools
(long CSV rows; JSON {meta, overall, attributes, nps})."""

from __future__ import annotations

from crmctl.render.base import Format, csv_text, jsonable, markdown_table
from crmctl.render.text import json_text, literal
from crmctl.render.view import Options, View

CSV_COLUMNS = ["rank", "attribute", "cramers_v", "p_value", "value", "n", "churned", "rate", "ci_low", "ci_high",
               "lift"]
TABLE_COLUMNS = ["attribute", "Cramér's V", "p", "value", "n", "churned", "churn rate", "95% CI", "lift"]


def drivers_records(result) -> list[dict]:
    """One row per attribute value, attributes in rank order (CSV, and the tables built from it)."""
    return [{"rank": rank, "attribute": a["name"], "cramers_v": a["measure"], "p_value": a["p_value"], **v}
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
    from crmctl.render.text_table import Column, TextTable, table_text

    rows, summary = _table_rows(result), _summary(result)
    # On a narrow terminal the counts go first: the rate, its interval and the lift carry the finding.
    table = TextTable([Column(c, numeric=c not in ("attribute", "value"), wrap=c in ("attribute", "value"))
                       for c in TABLE_COLUMNS], [[row[c] for c in TABLE_COLUMNS] for row in rows],
                      title="Churn drivers, strongest first", drop_first=("churned", "n", "p", "Cramér's V"),
                      sections={i for i, row in enumerate(rows) if row["_last"]})
    return summary[0] + "\n" + table_text([table], color=options.color, width=options.width, notes=summary[1:])


def _summary(result) -> list[str]:
    o = result.overall
    window = result.meta.get("window")
    where = f"active on {window['from']}, churned by {window['to']}" if window else "every customer in the snapshot"
    rate = "no customers" if not o["n"] else f"{o['churned']:,} of {o['n']:,} churned ({_pct(o['rate'])})"
    lines = [f"Population: {where}: {rate}."]
    if result.nps is not None:
        lines.append(result.nps["verdict"] + ".")
    return lines


def _table_rows(result) -> list[dict]:
    rows = []
    for a in result.attributes:
        for i, v in enumerate(a["values"]):
            first = i == 0
            rows.append({
                "attribute": literal(a["name"]) if first else "",
                "Cramér's V": ("" if a["measure"] is None else f"{a['measure']:.3f}") if first else "",
                "p": (a["note"] or _p(a["p_value"])) if first else "",
                "value": literal(v["value"]), "n": f"{v['n']:,}", "churned": f"{v['churned']:,}",
                "churn rate": _pct(v["rate"]), "95% CI": f"{_pct(v['ci_low'])}–{_pct(v['ci_high'])}",
                "lift": "" if v["lift"] is None else f"{v['lift']:.2f}",
                "_last": i == len(a["values"]) - 1,  # a rule under an attribute's last value
            })
    return rows


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
