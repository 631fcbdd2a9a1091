"""Collected config problems: everything wrong in a file is reported in one run, with its key path."""

from __future__ import annotations

from crmctl.errors import did_you_mean


class Problems(list):
    """Collects `key.path: message` lines so a config reports everything wrong in one run."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")

    def unknown_keys(self, path: str, mapping: dict, allowed) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key), f"unknown key{did_you_mean(str(key), allowed)}")

    def typed(self, path: str, value, kinds, label: str):
        if isinstance(value, bool) and bool not in _as_tuple(kinds):
            self.add(path, f"expected {label}, got {value!r}")
            return None
        if not isinstance(value, kinds):
            self.add(path, f"expected {label}, got {type(value).__name__} {value!r}")
            return None
        return value

    def entries(self, path: str, raw, what: str, entry_what: str) -> list[tuple[str, dict, str]]:
        """(name, body, key path) of a section mapping names to mappings; anything else is a problem."""
        if self.typed(path, raw, dict, what) is None:
            return []
        return [(str(name), body, f"{path}.{name}") for name, body in raw.items()
                if self.typed(f"{path}.{name}", body, dict, entry_what) is not None]

    def choice(self, path: str, value, choices) -> str | None:
        if value not in choices:
            self.add(path, f"{value!r} is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}")
            return None
        return value


def _as_tuple(kinds) -> tuple:
    return kinds if isinstance(kinds, tuple) else (kinds,)
