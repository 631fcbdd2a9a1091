"""What the cohort views say about a projection: the footnote, the notes, the fits table."""

from __future__ import annotations

from crmctl.render.base import segment_label

MARK = "*"  # a projected cell in every human view; the footnote says what it means


def projection_notes(meta: dict) -> list[str]:
    """The footnote on projected cells and one line per cohort left without a projection."""
    projection = meta.get("projection")
    if not projection:
        return []
    notes = [f"{MARK} projected: sBG model (Fader & Hardie 2007) fitted per cohort on its complete periods; "
             f"DERL at {projection['discount_rate']:.0%} a year (docs/models.md, \"Projecting cohorts\")."]
    notes += [f"{_fit_label(f, meta)}: {f['note']}" for f in projection["fits"] if f["note"]]
    return notes


def _fit_label(fit: dict, meta: dict) -> str:
    cohort = fit["cohort"].strftime("%Y-%m") if meta["period"] == "month" else fit["cohort"].isoformat()
    return ", ".join([cohort, *(f"{b}: {segment_label(fit[b])}" for b in meta.get("by", []))])


def fits_part(meta: dict) -> list[tuple]:
    """(title, columns, rows) of the fitted alpha, beta and DERL per cohort, when projecting."""
    projection = meta.get("projection")
    fitted = [f for f in (projection or {}).get("fits", []) if f["alpha"] is not None]
    if not fitted:
        return []
    columns = ["cohort", "alpha", "beta", f"DERL ({meta['period']}s)"]
    rows = [{"cohort": _fit_label(f, meta), "alpha": f"{f['alpha']:.3f}", "beta": f"{f['beta']:.3f}",
             columns[3]: f"{f['derl_periods']:.2f}"} for f in fitted]
    return [("sBG fit per cohort", columns, rows)]
