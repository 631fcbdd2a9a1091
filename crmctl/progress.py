"""What long work is doing, for the CLI's status line: the library says, the CLI shows.

Library code calls `step("reading orders (2/7)")`; it costs nothing when nobody listens (scripts,
pipes, tests). The CLI listens while a report or cohort table computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_listener: ContextVar[Callable[[str], None] | None] = ContextVar("crmctl_progress", default=None)


def step(message: str) -> None:
    listener = _listener.get()
    if listener is not None:
        listener(message)


@contextmanager
def listening(callback: Callable[[str], None]) -> Iterator[None]:
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)
