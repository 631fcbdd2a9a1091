"""The mode a new file gets: what the user's umask allows, as a file they wrote by hand would."""

from __future__ import annotations

import os


def new_file_mode() -> int:
    """0o666 less the umask. mkstemp's temporary files are 0600; a report or a cleaned export renamed from
    one would stay private, unreadable to a colleague or to another user's cron job."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
