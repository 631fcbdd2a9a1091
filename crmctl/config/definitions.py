"""Knobs of metric definitions (`definitions:` in the config), each with its default and meaning.

Metric families read them through `ReportContext.knob(name)`; docs/config.md lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Knob:
    default: object
    kind: type | tuple[type, ...]
    doc: str
    choices: tuple[str, ...] = ()


KNOBS: dict[str, Knob] = {
    "activity_model": Knob("auto", str, "how active customers are found: auto, subscription, churn_dates, "
                                         "transactional or snapshot (docs/metrics.md)",
                           ("auto", "subscription", "churn_dates", "transactional", "snapshot")),
    "churn_after_days": Knob(90, int, "a customer with no order for this many days has churned (transactional data)"),
    "csat_satisfied_min": Knob(4, (int, float), "lowest CSAT score that counts as satisfied"),
    "csat_scale": Knob([1, 5], list, "lowest and highest valid CSAT score"),
    "nps_scale": Knob([0, 10], list, "lowest and highest valid NPS score"),
    "ces_scale": Knob([1, 7], list, "lowest and highest valid CES score"),
    "fcr_zero_contacts": Knob("count", str, "tickets resolved with no agent reply in first_contact_resolution: count "
                                            "them as one-touch (Zendesk Explore: fewer than two replies) or exclude "
                                            "them from both sides (only exactly one reply is one-touch)",
                              ("count", "exclude")),
    "engaged_events": Knob(["opened", "clicked", "replied"], list, "interaction events that count as engagement"),
    "delivered_events": Knob(["delivered"], list, "interaction events that count as delivered messages"),
    "visit_events": Knob(["visit", "pageview", "session"], list, "interaction events that count as website visits"),
    "clv_method": Knob("formula", str, "clv: formula (margin-adjusted ARPU ÷ churn rate) or historical (gross profit "
                                       "to date per customer acquired to date)", ("formula", "historical")),
    "acquisition_categories": Knob(["acquisition"], list, "spend categories that count as acquisition spend (CAC)"),
    "retention_categories": Knob(["retention"], list, "spend categories that count as retention spend"),
    "roi_categories": Knob([], list, "spend categories that ROI charges; empty means all spend"),
    "gross_margin": Knob(0.6, (int, float), "share of revenue kept as gross profit when orders carry no cost"),
    "discount_rate": Knob(None, (int, float), "annual discount rate for predicted_clv in crmctl customers (0.1 = 10% "
                                              "a year); unset: no discounting"),
}


# The knobs each family's definitions read; `crmctl explain` shows them with their values.
FAMILY_KNOBS: dict[str, tuple[str, ...]] = {
    "satisfaction": ("csat_scale", "csat_satisfied_min", "nps_scale", "ces_scale"),
    "retention": ("activity_model", "churn_after_days"),
    "financial": ("gross_margin", "clv_method", "acquisition_categories", "retention_categories", "roi_categories",
                  "activity_model", "churn_after_days"),
    "service": ("fcr_zero_contacts",),
    "engagement": ("engaged_events", "delivered_events", "visit_events"),
    "data_quality": ("activity_model", "churn_after_days"),
}
