"""The one way crmctl writes a file: into a temporary file beside the target, renamed over it when
complete. A reader (a dashboard, the next cron job) never sees half a file, and a failed write leaves
the old file as it was."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmctl.files.modes import new_file_mode


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path to write `target`'s new content to; renamed over `target` (with the mode the umask
    gives) when the block ends, removed when it raises. OSError from creating it reaches the caller."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, new_file_mode())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomically(target: Path, content: str | bytes) -> None:
    """`content` as `target`'s whole new content (text as UTF-8, newlines as given)."""
    with replacing(target) as temporary:
        if isinstance(content, bytes):
            temporary.write_bytes(content)
        else:
            with open(temporary, "w", encoding="utf-8", newline="") as file:
                file.write(content)
