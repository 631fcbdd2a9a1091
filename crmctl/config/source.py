"""A dataset's `source:`: a database table or SQL query instead of an export file (docs/config.md, Sources).

    source:
      url: "postgresql://crm:${PGPASSWORD}@db.internal:5432/crm"   # or url_env: CRM_DATABASE_URL
      table: shopify.order                                          # or query: "select …"

Credentials stay out of the config and out of every message: `${NAME}` in the URL is replaced from the
environment when the database is opened, never when the config is read, and every message shows the URL
through `redact`, which hides the password (and user info) whatever the driver put in its error text.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from crmctl.config.problems import Problems
from crmctl.errors import ConfigError

SOURCE_KEYS = ("url", "url_env", "table", "query")
SCHEMES = {"postgresql": "postgresql", "postgres": "postgresql", "sqlite": "sqlite", "duckdb": "duckdb"}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@?#]*)(:(?P<password>[^@/?#]*))?@", re.I)
_PASSWORD_PARAM = re.compile(r"(password=)[^&\s]*", re.I)
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


@dataclass(frozen=True)
class Source:
    """Where a database dataset lives. `url` is the template as written (with `${NAME}`s), or None when
    `url_env` names the variable that holds the whole URL; `base` resolves relative SQLite/DuckDB paths."""

    url: str | None
    url_env: str | None
    table: str | None
    query: str | None
    base: Path = field(default=Path("."), compare=False)

    @property
    def scheme(self) -> str:
        template = self.url if self.url is not None else os.environ.get(self.url_env or "", "")
        return SCHEMES.get(template.split(":", 1)[0].lower(), "")

    @property
    def shown(self) -> str:
        """The source as messages name it: the redacted URL and the table (or "query")."""
        where = redact(self.url) if self.url is not None else f"${self.url_env}"
        return f"{where}, table {self.table}" if self.table else f"{where}, query" if self.query else where

    @property
    def label(self) -> str:
        """What a row's place is reported against: the table, or "query"."""
        return self.table or "query"

    def resolved_url(self) -> str:
        """The URL with the environment's values in: only the database driver ever sees it."""
        if self.url_env is not None:
            value = os.environ.get(self.url_env)
            if not value:
                raise ConfigError(f"url_env: the environment variable {self.url_env} is not set "
                                  "(export it with the database URL, e.g. postgresql://user:pass@host/db)")
            return value

        def value(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise ConfigError(f"{redact(self.url)}: the environment variable {name} is not set (export it, "
                                  "or remove ${" + name + "} from source.url)")
            return os.environ[name]

        return _VARIABLE.sub(value, self.url or "")


REMOTE = ("s3://", "s3a://", "gs://", "gcs://", "az://", "abfs://", "abfss://", "http://", "https://", "hf://")


def is_remote(pattern) -> bool:
    """Whether a path is an object-store URL, read by Polars' own cloud readers (read/remote.py)."""
    return isinstance(pattern, str) and pattern.lower().startswith(REMOTE)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` with every URL's password (and user), `password=` parameters and the given secrets hidden."""
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)
    text = _PASSWORD_PARAM.sub(r"\1***", text)
    for secret in sorted((s for s in secrets if s and len(s) >= 3), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def parse_source(key: str, raw, base: Path, problems: Problems) -> Source | None:
    """The `source:` mapping of a dataset, checked: one of url and url_env, one of table and query."""
    if problems.typed(key, raw, dict, "a mapping with url (or url_env) and table (or query)") is None:
        return None
    problems.unknown_keys(key, raw, SOURCE_KEYS)
    url, url_env, table, query = (raw.get(k) for k in SOURCE_KEYS)
    if (url is None) == (url_env is None):
        problems.add(key, "give one of url (e.g. postgresql://user:${PGPASSWORD}@host/db, sqlite:///crm.db) "
                          "or url_env (the environment variable holding the URL)")
        return None
    if (table is None) == (query is None):
        problems.add(key, "give one of table (e.g. shopify.order) or query (a select statement)")
        return None
    for name, value in (("url", url), ("url_env", url_env), ("table", table), ("query", query)):
        if value is not None and problems.typed(f"{key}.{name}", value, str, "text") is None:
            return None
    if url is not None and url.split(":", 1)[0].lower() not in SCHEMES:
        problems.add(f"{key}.url", f"{redact(url)}: not a database URL crmctl reads (it starts "
                                   "postgresql://, sqlite:/// or duckdb:///)")
        return None
    if table is not None and not _TABLE.match(table):
        problems.add(f"{key}.table", f"{table!r} is not a table name (name or schema.name; use query: for more)")
        return None
    return Source(url, url_env, table, query, base)


def database_path(url: str, base: Path) -> str:
    """A SQLite or DuckDB URL's file, as SQLAlchemy spells it: sqlite:///crm.db is relative (to the config's
    folder), sqlite:////srv/crm.db absolute."""
    rest = url.split(":", 1)[1]
    rest = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
    return str(Path(rest) if Path(rest).is_absolute() else base / rest)
