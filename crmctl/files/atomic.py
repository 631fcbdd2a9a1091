"""The one way crmctl writes a file: into a temporary file beside the target, renamed over it when
complete. A reader (a dashboard, the next cron job) never sees half a file, and a failed write leaves
the old file as it was.

The temporary file is `.<name>.<pid>.<random>.tmp`. A process killed mid-write (kill -9, an OOM kill, a
power cut) never renames nor removes it, so every write first removes the temporary files of its target
whose writer no longer runs; one of that pattern without a pid (crmctl wrote such names before) or older
than a day is stale too: no write takes a day.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmctl.files.modes import new_file_mode

_MAX_AGE = 24 * 3600


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path to write `target`'s new content to; renamed over `target` (with the mode the umask
    gives) when the block ends, removed when it raises. OSError from creating it reaches the caller."""
    remove_stale(target)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp", dir=target.parent)
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


def remove_stale(target: Path) -> list[Path]:
    """Removes the temporary files of `target` left by writers that no longer run; returns them."""
    folder = target.parent if str(target.parent) else Path(".")
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:(\d+)\.)?[a-z0-9_]+\.tmp")
    removed = []
    try:
        entries = list(os.scandir(folder))  # not glob: "orders [2024].csv" is a name, not a pattern
    except OSError:
        return removed
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found and entry.is_file(follow_symlinks=False) and _stale(entry, found.group(1)):
            try:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass  # another writer swept it first, or the folder is read-only: the write itself says so
    return removed


def _stale(entry: os.DirEntry, pid: str | None) -> bool:
    try:
        if time.time() - entry.stat(follow_symlinks=False).st_mtime > _MAX_AGE:
            return True
    except OSError:
        return False
    return pid is None or not _running(int(pid))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    except (OverflowError, ValueError):
        return False  # a number no pid can be
    return True
