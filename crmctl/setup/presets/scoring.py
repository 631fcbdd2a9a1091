"""Which canonical dataset a file holds: every preset is scored on the fields it can fill.

A file is not classified by the first id column seen: an orders table has an order id, a customer
reference, a time and an amount, and only a preset that finds all four can call it orders. A preset
is eligible when it maps every required field of its dataset and, for a vendor preset, finds at least
three quarters of its signature columns. An eligible preset scores

    3 per required field mapped + 1 per optional canonical field + 0.5 per dimension
    + 2 when the dataset's own id comes from a column named after it (`order_id`, or `id` in a
        file whose name says orders)
    + 6 × the share of its signature columns present (vendor presets; spelling must match exactly)
    + 2 when the file name contains one of its hints.

The best score wins. The runner-up is the best preset of another dataset; an equal runner-up is a
tie and the file is left for the user to map. Field names match ignoring case, spaces, underscores
and punctuation (`created_at`, `Created At` and `createdAt` are one name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crmctl.domain.datasets import ALTERNATE_KEYS, CANONICAL
from crmctl.setup.presets import is_generic
from crmctl.read.sniff import normalise_name

REQUIRED_WEIGHT = 3.0
OPTIONAL_WEIGHT = 1.0
DIMENSION_WEIGHT = 0.5
OWN_ID_BONUS = 2.0
SIGNATURE_WEIGHT = 6.0
HINT_WEIGHT = 2.0
SIGNATURE_MIN_SHARE = 0.75
WEAK_SCORE = 6.0  # below this only one or two fields matched: the guess deserves a look


@dataclass(frozen=True)
class Candidate:
    preset: dict
    columns: dict[str, str]  # field -> header
    score: float
    parts: tuple[str, ...]  # how the score adds up, for the config's comments

    @property
    def dataset(self) -> str:
        return self.preset["dataset"]

    @property
    def name(self) -> str:
        return self.preset["name"]

    def describe(self) -> str:
        return f"{self.dataset} ({self.name}, score {self.score:g})"


@dataclass(frozen=True)
class Verdict:
    best: Candidate | None
    runner_up: Candidate | None
    kind: str  # sure | weak | tie | none
    note: str = ""  # why a guess is weak, or what tied

    def explain(self) -> str:
        """One line: the score, how it adds up, and the runner-up."""
        if self.best is None:
            return "no preset maps the required fields of any dataset"
        text = f"score {self.best.score:g} = " + " + ".join(self.best.parts)
        rival = f"runner-up: {self.runner_up.describe()}" if self.runner_up else "no runner-up"
        return f"{text}; {rival}" + (f"; {self.note}" if self.note else "")


def loose_key(name: str) -> str:
    """Case, spaces, underscores and punctuation dropped: `created_at` == `Created At` == `createdAt`."""
    return re.sub(r"[\W_]", "", normalise_name(name))


def hinted(preset: dict, path: Path) -> bool:
    name = path.name.lower()
    return any(hint.lower() in name for hint in preset.get("file_hints") or [])


def map_columns(preset: dict, header, hint: bool) -> dict[str, str]:
    """Canonical field -> the first candidate header present, each header used once.

    Exact spellings (ignoring case and spaces) win over loose ones. A generic preset whose file name
    says what the table is reads a bare `id` column as that table's own id."""
    exact = {normalise_name(h): h for h in header}
    loose: dict[str, str] = {}
    for h in header:
        loose.setdefault(loose_key(h), h)
    own_id = CANONICAL[preset["dataset"]].id_field
    columns, used = {}, set()
    for fieldname, candidates in preset["columns"].items():
        if hint and fieldname == own_id and is_generic(preset):
            candidates = ["id", *candidates]
        for candidate in candidates:
            found = exact.get(normalise_name(candidate)) or loose.get(loose_key(candidate))
            if found is not None and found not in used:
                columns[fieldname] = found
                used.add(found)
                break
    return columns


def score(preset: dict, header, path: Path) -> Candidate | None:
    """The preset's candidate for this file, or None when it is not eligible."""
    dataset = CANONICAL[preset["dataset"]]
    hint = hinted(preset, path)
    columns = map_columns(preset, header, hint)
    if not set(dataset.required) <= dataset.provided(columns):
        return None
    signature = preset.get("signature") or []
    names = {normalise_name(h) for h in header}
    hits = sum(normalise_name(s) in names for s in signature)
    if signature and hits / len(signature) < SIGNATURE_MIN_SHARE:
        return None
    required = [f for f in columns
                if f in dataset.required or f in (dataset.wide or {}) or _stands_in(f, dataset, columns)]
    optional = [f for f in columns if f in dataset.fields and f not in required]
    dimensions = [f for f in columns if f not in dataset.fields]
    parts = [f"{len(required)} required ×{REQUIRED_WEIGHT:g}"]
    total = REQUIRED_WEIGHT * len(required)
    for count, weight, label in ((len(optional), OPTIONAL_WEIGHT, "optional"),
                                 (len(dimensions), DIMENSION_WEIGHT, "dimension")):
        if count:
            parts.append(f"{count} {label} ×{weight:g}")
            total += count * weight
    own = _own_id_column(dataset.id_field, columns, hint)
    if own:
        parts.append(f"own id {own!r} +{OWN_ID_BONUS:g}")
        total += OWN_ID_BONUS
    if signature:
        parts.append(f"signature {hits}/{len(signature)} +{SIGNATURE_WEIGHT * hits / len(signature):.3g}")
        total += SIGNATURE_WEIGHT * hits / len(signature)
    if hint:
        parts.append(f"file name +{HINT_WEIGHT:g}")
        total += HINT_WEIGHT
    return Candidate(preset, columns, round(total, 2), tuple(parts))


def _stands_in(fieldname: str, dataset, columns: dict[str, str]) -> bool:
    """An alternate key (an e-mail) fills a required customer_id as well as customer_id itself would."""
    return fieldname in ALTERNATE_KEYS and "customer_id" in dataset.required and "customer_id" not in columns


def _own_id_column(id_field: str | None, columns: dict[str, str], hint: bool) -> str | None:
    """The column that gives the dataset its own id when it is named after the table."""
    column = columns.get(id_field) if id_field else None
    if column is None:
        return None
    key = loose_key(column)
    return column if key == loose_key(id_field) or (key == "id" and hint) else None


def rank(presets: list[dict], header, path: Path) -> list[Candidate]:
    """Eligible candidates, best first (equal scores keep the presets' order)."""
    found = [c for c in (score(p, header, path) for p in presets) if c is not None]
    return sorted(found, key=lambda c: -c.score)


def choose(ranked: list[Candidate]) -> Verdict:
    """The winner, its runner-up and how sure the guess is."""
    if not ranked:
        return Verdict(None, None, "none")
    best = ranked[0]
    rivals = [c for c in ranked[1:] if c.dataset != best.dataset]
    runner_up = rivals[0] if rivals else (ranked[1] if len(ranked) > 1 else None)
    if rivals and rivals[0].score == best.score:
        return Verdict(best, rivals[0], "tie", f"as good a match for {rivals[0].dataset} as for {best.dataset}")
    same = [c for c in ranked[1:] if c.dataset == best.dataset and c.score == best.score]
    if same and not is_generic(best):
        generic = next((c for c in ranked if c.dataset == best.dataset and is_generic(c.preset)), None)
        note = f"as good a match for {same[0].name} as for {best.name}"
        return Verdict(generic or best, runner_up, "weak", note + ("; generic names used" if generic else ""))
    if best.score < WEAK_SCORE:
        return Verdict(best, runner_up, "weak", "few fields matched")
    return Verdict(best, runner_up, "sure")
