"""The `where:` that `crmctl init` proposes for orders, from the values in the sampled rows.

A raw orders export lists refunded, cancelled and pending orders beside the paid ones; counted as
revenue they inflate every sales number. And an export in two currencies cannot be reported at all
(crmctl never adds amounts in different currencies). So init reads the sampled statuses and
currencies and writes the filter a first report needs, with the values it saw in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Statuses that are money received (or about to ship, which is paid): Shopify, Stripe, WooCommerce,
# Magento and the generic words. Compared lower-case, with spaces and hyphens as underscores.
REVENUE = frozenset({"paid", "completed", "complete", "succeeded", "success", "successful", "fulfilled", "shipped",
                     "delivered", "closed", "partially_refunded", "partially_paid", "settled", "captured",
                     "processing", "processed", "invoiced"})
# Statuses that are not revenue: money never taken, or given back.
NOT_REVENUE = frozenset({"refunded", "cancelled", "canceled", "voided", "void", "failed", "declined", "pending",
                         "authorized", "unpaid", "abandoned", "draft", "returned", "expired", "on_hold",
                         "chargeback", "disputed", "rejected", "payment_pending", "pending_payment"})


@dataclass
class Proposal:
    where: dict[str, list[str]] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)


def propose_where(dataset: str, columns: dict[str, str], sample, preset_where: dict | None,
                  value_maps: dict | None = None) -> Proposal:
    """`where:` for orders from the sample (a frame of text columns): statuses that are revenue, and the
    most common currency when there are several. Other datasets get none. `where:` compares values after
    the config's value maps, so sampled values go through the preset's (`value_maps`) first."""
    proposal = Proposal()
    if dataset != "orders":
        return proposal
    maps = value_maps or {}
    if "status" in columns:
        counts = _counts(sample, columns["status"], maps.get("status"))
        _status(counts, proposal, (preset_where or {}).get("status"))
    if "currency" in columns:
        _currency(_counts(sample, columns["currency"], maps.get("currency")), proposal)
    return proposal


def _counts(sample, header: str, value_map: dict | None = None) -> dict[str, int]:
    """Each value's count in the sample (after `value_map`), most common first; its first spelling stands
    for all its cases."""
    values = sample[header].drop_nulls().str.strip_chars()
    values = values.filter(values != "")
    counts: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for value in ((value_map or {}).get(v, v) for v in values.to_list()):
        key = spelling.setdefault(value.lower(), value)
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def _key(value: str) -> str:
    return value.lower().replace(" ", "_").replace("-", "_")


def _words(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]


def _listing(counts: dict[str, int]) -> str:
    return ", ".join(f"{value} {count}" for value, count in counts.items())


def _status(counts: dict[str, int], proposal: Proposal, preset: list | None) -> None:
    if not counts:  # nothing sampled to judge by: the export's own rule, if it has one
        if preset:
            proposal.where["status"] = list(preset)
        return
    seen = f"status values in the sample: {_listing(counts)}"
    if preset and any(_key(v) in {_key(p) for p in preset} for v in counts):
        left_out = [v for v in counts if _key(v) not in {_key(p) for p in preset}]
        proposal.where["status"] = list(preset)
        proposal.comments += [seen, "the export's own rule for revenue" +
                              (f"; left out: {', '.join(left_out)}" if left_out else "")]
        return
    dropped = [v for v in counts if _key(v) in NOT_REVENUE]
    unknown = [v for v in counts if _key(v) not in NOT_REVENUE | REVENUE]
    if not dropped:
        proposal.comments.append(f"{seen}; every one counts as revenue, so no where: on status")
        return
    proposal.where["status"] = [v for v in counts if v not in dropped]
    proposal.comments += [seen, f"GUESS: {_words(dropped)} orders are not revenue and are left out"]
    if unknown:
        proposal.comments.append(f"CHECK: kept, but not a status crmctl knows: {', '.join(unknown)}")


def _currency(counts: dict[str, int], proposal: Proposal) -> None:
    if len(counts) < 2:
        return
    kept = next(iter(counts))
    proposal.where["currency"] = [kept]
    proposal.comments += [f"currencies in the sample: {_listing(counts)}; crmctl never adds amounts in "
                          "different currencies",
                          f"GUESS: {kept}, the most common, is kept; a config per currency reports the others"]
