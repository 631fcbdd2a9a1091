"""`crmctl init --url`: a first config from a database's tables, recognised as export files are.

Each table's first rows are read as text into a CSV named after the table, in a scratch folder, and go
through the same recognition as a file (init.py: the connector presets know Fivetran's and Airbyte's
tables); the config then names the table under `source:` instead of the file. A password written in the
URL is not written into the config: it becomes `${PGPASSWORD}`, which crmctl expands when it connects.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from crmctl.config.source import SCHEMES, Source, redact
from crmctl.errors import UsageError

_SAMPLE_ROWS = 1000
PASSWORD_VARIABLE = "${PGPASSWORD}"


def templated(url: str) -> tuple[str, bool]:
    """The URL as the config should hold it: a literal password replaced by ${PGPASSWORD}; whether it was."""
    parts = urlsplit(url)
    if not parts.password or "${" in parts.password:
        return url, False
    netloc = f"{parts.username}:{PASSWORD_VARIABLE}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), True


def database_config(url: str, config_dir: Path) -> tuple[str, list[str]]:
    """The config text for the database at `url`, and one line per table for the user."""
    from crmctl.read.database import connect, list_tables, sample_rows
    from crmctl.setup.init import write_config

    if url.split(":", 1)[0].lower() not in SCHEMES:
        raise UsageError(f"--url {redact(url)}: not a database URL crmctl reads (postgresql://, sqlite:/// or "
                         "duckdb:///)")
    written, replaced = templated(url)
    # Relative SQLite/DuckDB paths are relative to the config, as they will be when it is read.
    with connect(Source(url, None, None, None, config_dir)) as db, \
            tempfile.TemporaryDirectory(prefix="crmctl-init-") as scratch:
        tables = list_tables(db)
        if not tables:
            raise UsageError(f"--url {redact(url)}: the database has no tables")
        samples: dict[Path, dict] = {}
        for table in tables:
            path = Path(scratch) / table
            sample_rows(db, table, _SAMPLE_ROWS).write_csv(path)
            samples[path] = {"url": written, "table": table}
        text, messages = write_config(list(samples), config_dir, samples)
    if replaced:
        messages.append(f"the password in --url is not written: the config says {PASSWORD_VARIABLE}; "
                        "export PGPASSWORD before running crmctl")
    return text, messages
