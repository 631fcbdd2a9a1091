"""Presets for `crmctl init`: what known exports look like, as data.

exports.yaml holds each app's own CSV export (HubSpot, Salesforce, Zendesk, Shopify, Stripe) and the
generic names; connectors.yaml holds the tables the warehouse connectors (Fivetran, Airbyte) write for
the same apps. Both lists have the same keys; adding an export or a table is one entry.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PRESET_FILES = ("exports.yaml", "connectors.yaml")


@cache
def _load(name: str) -> tuple[dict, ...]:
    from crmctl.config.yaml_reader import load_yaml

    path = Path(__file__).parent / name
    return tuple(load_yaml(path.read_text(encoding="utf-8"), str(path)))


def load_presets() -> list[dict]:
    """Every preset, app exports first (their order breaks no ties: scores do)."""
    return [preset for name in PRESET_FILES for preset in _load(name)]


def is_generic(preset: dict) -> bool:
    """A generic preset names no vendor: it has no signature columns."""
    return not preset.get("signature")
