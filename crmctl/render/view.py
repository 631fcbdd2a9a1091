"""A View: the formats one kind of result can be shown in, each with the function that shows it, and the
Options every such function gets (render/registry.py holds the views and picks one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from crmctl.render.base import Format, Layout, unsupported


@dataclass(frozen=True)
class Options:
    """How the caller wants it: colour and width of the terminal (width None: a pipe or a file), whether CSV
    cells are left raw (formulas not neutralised), the money's currency, the report's layout, and whether
    every verdict is listed (check --verbose)."""
    color: bool = False
    width: int | None = None
    raw: bool = False
    currency: str | None = None
    layout: Layout | None = None
    verbose: bool = False


Renderer = Callable[[object, Options], "str | bytes"]


@dataclass(frozen=True)
class View:
    what: str  # how a refusal names it: "crmctl customers --at-risk"
    formats: Mapping[Format, Renderer]

    def render(self, result, fmt: Format, options: Options) -> str | bytes:
        renderer = self.formats.get(Format(fmt))
        if renderer is None:
            unsupported(Format(fmt), getattr(result, "title", None) or self.what, tuple(self.formats))
        return renderer(result, options)
