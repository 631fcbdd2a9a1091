"""The scorecard in each format: one board per dataset (service, sales), owners best first."""

from __future__ import annotations

from crmctl.render.base import Format, csv_text, format_value, jsonable, markdown_table, to_text
from crmctl.render.marks import LOW_N
from crmctl.render.text import json_text
from crmctl.render.view import Options, View

METHOD = ("estimates shrunk toward the team mean: rates by a beta-binomial prior fitted to the owners, "
          "means by normal empirical Bayes (docs/monitoring.md)")


def scorecard_records(card) -> list[dict]:
    """Long rows: board, owner, team, metric, the owner's own value and n, the shrunk estimate and interval."""
    rows = []
    for board in card.boards:
        for r in board.cells.sort("metric", "rank").iter_rows(named=True):
            rows.append({"board": board.name, "owner": r["owner"], "team": r["group"], "metric": r["metric"],
                         "rank": r["rank"], "estimate": r["estimate"], "low": r["low"], "high": r["high"],
                         "value": r["value"], "n": r["n"], "small_n": r["small"], "team_mean": r["team"]})
    return rows


SHORT = {"first_contact_resolution": "FCR %", "avg_resolution_time": "Resolution (h)", "csat": "CSAT %",
         "win_rate": "Win rate %", "sales_cycle_length": "Cycle (days)"}  # boards must fit 80 columns


def _cell(r: dict | None, unit: str) -> str:
    """Two lines: the estimate and its interval; n (†: small) and the owner's own value."""
    if r is None or r["estimate"] is None:
        return "—"
    low, high = (format_value(r[k], unit).rstrip("%") for k in ("low", "high"))
    mark = LOW_N if r["small"] else ""
    return f"{format_value(r['estimate'], unit)} {low}–{high}\nn={r['n']:,}{mark} {format_value(r['value'], unit)}"


def _board_rows(board, by: str) -> tuple[list[str], list[dict]]:
    cells = {(r["owner"], r["metric"]): r for r in board.cells.iter_rows(named=True)}
    teams = {r["owner"]: r["group"] for r in board.cells.iter_rows(named=True)}
    columns = ["#", by, *(SHORT.get(m.name, m.title) for m in board.metrics)]
    rows = []
    for place, owner in enumerate(board.owners, start=1):
        row = {"#": str(place), by: owner + (f"\n{teams[owner]}" if board.grouped and teams.get(owner) else "")}
        for metric in board.metrics:
            row[SHORT.get(metric.name, metric.title)] = _cell(cells.get((owner, metric.name)), metric.unit)
        rows.append(row)
    return columns, rows


def _notes(card) -> list[str]:
    notes = [f"Each cell: the estimate and its {card.confidence:.0%} interval; then n ({LOW_N}: n < {card.min_n}) "
             f"and the owner's own, unshrunk value. Ranked by mean rank over the board's metrics; {METHOD}."]
    notes += [f"{metric}: not scored: {why}" for metric, why in card.unavailable.items()]
    return notes


def _json(card, options: Options) -> str:
    meta = {"by": card.by, "window": str(card.window) if card.window else None, "confidence": card.confidence,
            "min_n": card.min_n, "method": METHOD, "unavailable": card.unavailable}
    boards = [{"name": b.name, "owners": b.owners} for b in card.boards]
    body = {"meta": meta, "boards": boards, "rows": [{k: jsonable(v) for k, v in r.items()}
                                                     for r in scorecard_records(card)]}
    return json_text(body)


def _csv(card, options: Options) -> str:
    records = scorecard_records(card)
    return csv_text(list(records[0]) if records else ["board"], records, raw=options.raw)


def _markdown(card, options: Options) -> str:
    parts = []
    for board in card.boards:
        columns, rows = _board_rows(board, card.by)
        rows = [{k: v.replace("\n", " · ") for k, v in r.items()} for r in rows]
        parts += [f"### {board.name.capitalize()}\n", markdown_table(columns, rows)]
    return "\n".join([*parts, *(f"_{n}_\n" for n in _notes(card))])


def _table(card, options: Options) -> str:
    from rich.box import HEAVY_HEAD
    from rich.table import Table

    tables = []
    for board in card.boards:
        columns, rows = _board_rows(board, card.by)
        table = Table(title=f"{board.name.capitalize()} by {card.by}" + (f", {card.window}" if card.window else ""),
                      title_justify="left", header_style="bold", box=None if options.width is None else HEAVY_HEAD)
        for column in columns:
            table.add_column(column, justify="right" if column == "#" else "left", overflow="fold")
        for row in rows:
            table.add_row(*(row[c] for c in columns))
        tables.append(table)
    return to_text([*tables, *_notes(card)], color=options.color, width=options.width)


SCORECARD = View("crmctl scorecard", {Format.table: _table, Format.csv: _csv, Format.json: _json,
                                      Format.markdown: _markdown})
