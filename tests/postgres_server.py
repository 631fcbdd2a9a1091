"""A private PostgreSQL server for the tests: Debian's binaries, a cluster in a temp folder, 127.0.0.1 only.

Where the binaries are missing the tests that need it skip on a developer's machine and fail in CI
(CI=true), which must install them (.ci/run does: apt-get install postgresql).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

USER, PASSWORD, DATABASE = "crm", "s3cret-Pa55", "crm"


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user the package creates."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextlib.contextmanager
def running_server():
    """Yields the URL (with its password) of a fresh server; stops it and removes its files afterwards."""
    bin_dir = binaries()
    if bin_dir is None:
        message = "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): apt-get install postgresql"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="crmctl-pg-"))
    data, password_file = root / "data", root / "password"
    password_file.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(password_file, "postgres")
    port = free_port()
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={password_file}",
          "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"])
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start"])
    try:
        yield f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{port}/postgres", port
    finally:
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_owner(command), capture_output=True, text=True, cwd="/")
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")


def adbc_executor(database):
    """A fresh ADBC connection (autocommit) on `database`, and a function running one statement on it:
    tests and benchmarks load their tables through plain SQL, independently of crmctl's reading."""
    import adbc_driver_manager

    connection = adbc_driver_manager.AdbcConnection(database)

    def execute(sql: str) -> None:
        statement = adbc_driver_manager.AdbcStatement(connection)
        statement.set_sql_query(sql)
        statement.execute_update()
        statement.close()

    return connection, execute
