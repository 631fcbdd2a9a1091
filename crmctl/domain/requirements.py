"""What a metric needs, parsed once from its declaration's compact text.

A metric declares `requires=("orders.amount", "tickets.contacts|first_contact_resolved")`: a field of a
canonical dataset, or any one of several. Three pseudo-datasets name what is not a field: `activity.*`
(an activity model: who is a customer when), `report.by` (segments to compare), `quality.rows` (every
mapped dataset, for the data-quality metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

SPECIAL = ("activity", "report", "quality")


@dataclass(frozen=True)
class Requirement:
    dataset: str
    fields: tuple[str, ...]  # any one of them will do

    @classmethod
    def parse(cls, text: str) -> Requirement:
        dataset, dot, fields = text.partition(".")
        if not dot or not dataset or not fields or "" in fields.split("|"):
            raise ValueError(f"a requirement is dataset.field or dataset.a|b, got {text!r}")
        return cls(dataset, tuple(fields.split("|")))

    @property
    def special(self) -> bool:
        return self.dataset in SPECIAL

    def __str__(self) -> str:
        return f"{self.dataset}.{'|'.join(self.fields)}"
