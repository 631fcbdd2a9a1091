"""Writes docs/metrics.md from the metric declarations and docs/cli.md from `--help`.

    python -m crmctl.docgen        # rewrite both; tests/test_docs.py fails when they are stale
"""

from __future__ import annotations

from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"

METRICS_INTRO = """\
# Metric catalogue

Generated from the metric declarations by `python -m crmctl.docgen`; `crmctl metrics NAME` shows
the same. Conventions for every metric:

- A period P is [start, next start) on the local calendar of the config's `timezone`; a row belongs
  to the period of its dataset's time field (orders: `ordered_at`).
- `value` is `numerator ÷ denominator` for rates and averages (× 100 for scores such as NPS), and
  the `numerator` for totals. Rows carry both, plus `n`, the number of rows observed.
- A zero or missing denominator gives a null value with a `note` (e.g. "no orders in the period"),
  never 0. Sums and counts are 0 for a period with no rows inside the span of the data, and null
  with the note "no data for this period" outside it (a window wider than the export).
- Only rows kept by the dataset's `where:` filter count; rows whose required fields are missing or
  do not parse are skipped and counted in the report's meta.
- When orders map no `cost`, gross profit is amount × `gross_margin` (0.6 by default): every value of
  `gross_profit`, `clv`, `clv_cac_ratio`, `cac_payback_months` and `roi` then has the note
  `assumed margin 60%` (the knob's value), tables say so under the table, and the JSON meta has
  `assumed_margin`. With `cost` mapped, orders whose cost is empty still use the margin, without a note.
"""


def metrics_markdown() -> str:
    import inspect

    from crmctl.context import activity
    from crmctl.metrics.catalogue import FAMILIES, METRICS

    models = inspect.cleandoc(activity.__doc__).split("\n", 1)[1].strip()
    parts = [METRICS_INTRO, "\n## Activity: who counts as an active customer\n\n"
             "Retention metrics read spells of activity per customer. "
             f"The report's meta names the model it used (`activity_model`).\n\n```text\n{models}\n```\n"]
    for family in FAMILIES:
        parts.append(f"\n## {family.capitalize()}\n")
        for metric in (m for m in METRICS if m.family == family):
            parts.append(f"\n### `{metric.name}` — {metric.title}\n\n{metric.description}\n\n")
            rows = [("unit", metric.unit),
                    ("higher is better", {True: "yes", False: "no", None: "neither"}[metric.higher_is_better]),
                    ("kind", "total (value = numerator)" if metric.kind == "total" else
                     f"ratio (value = numerator ÷ denominator{f' × {metric.scale:g}' if metric.scale != 1 else ''})"),
                    ("numerator", metric.numerator or "—"), ("denominator", metric.denominator or "—"),
                    ("requires", ", ".join(f"`{r}`" for r in metric.requires)),
                    ("empty period", "0 inside the data's span" if metric.additive else "null with a note")]
            if metric.depends_on:
                rows.append(("computed from", ", ".join(f"`{d}`" for d in metric.depends_on)))
            parts.append("| | |\n|---|---|\n" + "".join(f"| {k} | {v} |\n" for k, v in rows))
    return "".join(parts)


def cli_markdown() -> str:
    from typer.testing import CliRunner

    from crmctl.cli import app

    runner = CliRunner()
    parts = ["# Command line\n\nGenerated from `--help` by `python -m crmctl.docgen`.\n"]
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    for command in ([], *([n] for n in names)):
        text = runner.invoke(app, [*command, "--help"], prog_name="crmctl", env={"COLUMNS": "100", "NO_COLOR": "1"}).stdout
        parts.append(f"\n## `crmctl {' '.join(command)}`\n\n```text\n{text.rstrip()}\n```\n")
    return "".join(parts)


def main() -> None:
    (DOCS / "metrics.md").write_text(metrics_markdown(), encoding="utf-8")
    (DOCS / "cli.md").write_text(cli_markdown(), encoding="utf-8")


if __name__ == "__main__":
    main()
