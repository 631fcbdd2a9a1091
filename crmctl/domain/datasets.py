"""The canonical data model of DESIGN §4: datasets, their fields, and each field's kind.

Kinds decide how a text cell becomes a typed value (see read/cells.py):
  id        text, trimmed, never case-folded (Salesforce ids are case-sensitive)
  datetime  parsed with an explicit or sampled format, naive local time in the config's zone
  number    currency symbols, thousands separators, decimal comma and (negatives) handled
  boolean   yes/no, true/false, y/n, t/f, 1/0
  category  trimmed and lower-cased after the value map, so `where:` and metrics compare cleanly
  text      trimmed; any mapped column that is not canonical is a text dimension
"""

from __future__ import annotations

from dataclasses import dataclass, replace

KINDS = ("id", "datetime", "number", "boolean", "category", "text")

# The column a generated id is read from: a transaction log (CDNOW's) has no order id, so each row's
# file and line stand for it (read/scan.py adds the column; docs/config.md, "Orders without an id").
ROW_ID = "(file:line)"
# `delimiter: whitespace`: fields separated by runs of spaces and tabs, as fixed-width logs are.
WHITESPACE = "whitespace"

# Another system's name for a customer (Zendesk: the requester's e-mail; Shopify: its own customer id):
# a dataset may map one of these instead of customer_id, and read/identity.py translates it through the
# customers field it names. Tried in this order when a dataset maps several.
ALTERNATE_KEYS = {"customer_external_id": "external_id", "customer_email": "email"}


@dataclass(frozen=True)
class CanonicalDataset:
    name: str
    fields: dict[str, str]  # field -> kind
    required: tuple[str, ...]
    time_field: str | None  # the field that places a row in a period
    # A wide export (one column per type, e.g. nps_score, csat_score) is read as long rows:
    # wide field -> the value it gives the `type` field, its number going to `score`.
    wide: dict[str, str] | None = None
    extent: tuple[str, ...] = ()  # fields whose dates bound the export (default: the time field)
    generated: tuple[str, ...] = ()  # required fields read from ROW_ID when the config maps no column

    @property
    def extent_fields(self) -> tuple[str, ...]:
        return self.extent or (self.time_field,)

    @property
    def id_field(self) -> str | None:
        """The field that identifies a row, when the dataset has one (surveys and events do not)."""
        first = self.required[0]
        return first if first.endswith("_id") and first != "customer_id" or self.name == "customers" else None

    def kind(self, field: str) -> str:
        return self.fields.get(field, "text")

    def provided(self, mapped) -> set[str]:
        """Fields a config provides: the mapped ones, plus type and score from wide columns, plus
        customer_id from an alternate key (translated through customers after reading)."""
        mapped = set(mapped) | set(self.generated)
        if self.wide and mapped & set(self.wide):
            mapped |= {"type", "score"}
        if self.name != "customers" and "customer_id" in self.fields and mapped & set(ALTERNATE_KEYS):
            mapped.add("customer_id")
        return mapped


def _with_alternate_keys(dataset: CanonicalDataset) -> CanonicalDataset:
    """Customers hold every key; every other dataset that names a customer may name it by any key."""
    if dataset.name == "customers":
        extra = dict.fromkeys(ALTERNATE_KEYS.values(), "id")
    elif "customer_id" in dataset.fields:
        extra = dict.fromkeys(ALTERNATE_KEYS, "id")
    else:
        return dataset
    return replace(dataset, fields={**dataset.fields, **extra})


CANONICAL: dict[str, CanonicalDataset] = {
    d.name: d
    for d in map(_with_alternate_keys, (
        CanonicalDataset(
            "customers",
            {"customer_id": "id", "created_at": "datetime", "churned_at": "datetime", "churned": "boolean"},
            ("customer_id",),
            "created_at",
            extent=("created_at", "churned_at"),
        ),
        CanonicalDataset(
            "orders",
            {"order_id": "id", "customer_id": "id", "ordered_at": "datetime", "amount": "number",
             "status": "category", "cost": "number", "currency": "category"},
            ("order_id", "customer_id", "ordered_at", "amount"),
            "ordered_at",
            generated=("order_id",),
        ),
        CanonicalDataset(
            "subscriptions",
            {"subscription_id": "id", "customer_id": "id", "started_at": "datetime", "ended_at": "datetime",
             "term_end_at": "datetime", "renewed": "boolean", "mrr": "number"},
            ("subscription_id", "customer_id", "started_at"),
            "started_at",
            extent=("started_at", "ended_at"),  # not term_end_at: terms end in the future
        ),
        CanonicalDataset(
            "surveys",
            {"customer_id": "id", "responded_at": "datetime", "type": "category", "score": "number",
             "nps_score": "number", "csat_score": "number", "ces_score": "number"},
            ("customer_id", "responded_at", "type", "score"),
            "responded_at",
            wide={"nps_score": "nps", "csat_score": "csat", "ces_score": "ces"},
        ),
        CanonicalDataset(
            "tickets",
            {"ticket_id": "id", "customer_id": "id", "created_at": "datetime", "first_response_at": "datetime",
             "resolved_at": "datetime", "contacts": "number", "first_contact_resolved": "boolean",
             "sla_due_at": "datetime", "sla_breached": "boolean", "automated": "boolean", "channel": "text",
             "reopens": "number", "agent": "text", "team": "text"},
            ("ticket_id", "created_at"),
            "created_at",
            extent=("created_at", "resolved_at"),
        ),
        CanonicalDataset(
            "leads",
            {"lead_id": "id", "created_at": "datetime", "converted_at": "datetime", "closed_at": "datetime",
             "status": "category", "amount": "number", "source": "text", "agent": "text", "team": "text"},
            ("lead_id", "created_at"),
            "created_at",
            extent=("created_at", "closed_at", "converted_at"),
        ),
        CanonicalDataset(
            "interactions",
            {"customer_id": "id", "occurred_at": "datetime", "event": "category", "channel": "text",
             "duration_seconds": "number", "visitor_id": "id"},
            ("occurred_at", "event"),
            "occurred_at",
        ),
        CanonicalDataset(
            "spend",
            {"date": "datetime", "amount": "number", "category": "category", "channel": "text"},
            ("date", "amount", "category"),
            "date",
        ),
        CanonicalDataset(
            "market",
            {"period_start": "datetime", "market_revenue": "number"},
            ("period_start", "market_revenue"),
            "period_start",
        ),
        CanonicalDataset(
            # An experiment's assignments: which variant each customer got, and when. Experiment and
            # variant are ids (trimmed, case kept: variant "A" stays "A"), not dimensions.
            "assignments",
            {"customer_id": "id", "experiment": "id", "variant": "id", "assigned_at": "datetime"},
            ("customer_id", "experiment", "variant"),
            "assigned_at",
        ),
    ))
}


def is_dimension(dataset: str, field: str) -> bool:
    """A mapped column that is not a canonical field (or is a free-text canonical one) groups metrics."""
    return CANONICAL[dataset].kind(field) == "text"
