"""Closing the feedback loop: `--promoters` (advocates to ask for a review) and `--detractors` (the
follow-up list), chosen from the 360° rows by their latest NPS response (definitions in docs/customers.md).

A condition whose data is not mapped is not applied, and the list's meta says so (`not_checked`):
a promoter list without tickets cannot know about open tickets, and should not pretend to.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from crmctl.domain.timeline import day_end
from crmctl.errors import UsageError

PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # NPS: promoters score 9–10, detractors 0–6
ALIVE_MIN = 0.5


def feedback_list(rows: pl.DataFrame, which: str, as_of: dt.date | None, recent: int) -> tuple[pl.DataFrame, dict]:
    """(the rows on the list, the list's meta: name, conditions applied, conditions not checked)."""
    if "nps" not in rows.columns or as_of is None:
        raise UsageError(f"--{which} needs NPS responses: map datasets.surveys (customer_id, responded_at, type, "
                         "score) with type nps in the config")
    if which == "promoters":
        conditions, skipped = promoter_conditions(rows, as_of, recent)
    else:
        conditions, skipped = detractor_conditions(rows)
    chosen = rows.filter(pl.all_horizontal([expr for _, expr in conditions]))
    if which == "detractors":
        waited = (pl.lit(as_of) - pl.col("nps_at").dt.date()).dt.total_days().cast(pl.Int64)
        chosen = chosen.with_columns(days_since_response=waited)
    meta = {"name": which, "recent_days": recent if which == "promoters" else None,
            "conditions": [text for text, _ in conditions], "not_checked": skipped}
    return chosen, meta


def promoter_conditions(rows: pl.DataFrame, as_of: dt.date, recent: int) -> tuple[list, list[str]]:
    since = day_end(as_of) - dt.timedelta(days=recent)
    conditions = [(f"latest NPS ≥ {PROMOTER_MIN}", pl.col("nps") >= PROMOTER_MIN),
                  (f"responded within the {recent} days ending on {as_of}", pl.col("nps_at") >= since)]
    skipped = []
    if "churned" in rows.columns:
        conditions.append(("not churned", pl.col("churned").fill_null(False).not_()))
    else:
        skipped.append("churn status (customers.churned or churned_at not mapped)")
    if "subscription_status" in rows.columns:
        # A customer with subscriptions, none of them running, has left; one with none is judged on the rest.
        conditions.append(("no ended subscription without a running one",
                           pl.col("subscription_status").fill_null("active") != "ended"))
    if "p_alive" in rows.columns and rows["p_alive"].null_count() < rows.height:
        conditions.append((f"P(alive) ≥ {ALIVE_MIN} (customers with an order)",
                           pl.col("p_alive").is_null() | (pl.col("p_alive") >= ALIVE_MIN)))
    else:
        skipped.append("P(alive) (no fitted BG/NBD model)")
    if "open_tickets" in rows.columns:
        conditions.append(("no open ticket", pl.col("open_tickets") == 0))
    else:
        skipped.append("open tickets (tickets.resolved_at not mapped)")
    return conditions, skipped


def detractor_conditions(rows: pl.DataFrame) -> tuple[list, list[str]]:
    conditions = [(f"latest NPS ≤ {DETRACTOR_MAX}", pl.col("nps") <= DETRACTOR_MAX)]
    skipped = []
    for column, what in (("last_ticket_at", "ticket"), ("last_contact_at", "interaction")):
        if column in rows.columns:
            conditions.append((f"no {what} after the response",
                               pl.col(column).is_null() | (pl.col(column) <= pl.col("nps_at"))))
        else:
            skipped.append(f"{what}s since the response ({'tickets' if what == 'ticket' else 'interactions'} "
                           "not mapped)")
    return conditions, skipped
