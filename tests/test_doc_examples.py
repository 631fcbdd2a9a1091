"""Every crmctl command in the README, docs/*.md, examples/README.md and the commands' --help examples
runs on the bundled data from a clone, as a new user would type it.

Commands are taken from fenced blocks (sh, bash, cron, or no language) and from the "Examples:" of every
command's docstring. A command is skipped only for a reason listed in SKIP: it reads files a clone does
not have, or it is a synopsis rather than a command.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "examples" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
DOCS = [d for d in DOCS if d.name != "cli.md"]  # generated from the --help texts, read from the commands below
_FENCE = re.compile(r"^```(\w*)\s*$")
_COMMAND = re.compile(r"(?:^|[\s(&|;])(?:\S*/)?crmctl\s+([^|&;)#\n]*)")
SHELL_BLOCKS = ("", "sh", "bash", "shell", "console", "cron", "crontab")
# Files a clone does not have, named in examples as the user's own: why each such command is skipped.
NOT_IN_A_CLONE = {"exports/": "reads the user's own export folder", "contacts.csv": "reads the user's own export",
                  "deals.csv": "reads the user's own export", "messy.csv": "reads the user's own export",
                  "--url": "reads the user's database", "://": "reads the user's database or object storage"}
SKIP = {"--install-completion": "changes the user's shell profile",
        "watch ": "runs until stopped (tests/test_watch.py runs it bounded in time)"}


def _blocks(text: str):
    language, lines = None, []
    for line in text.splitlines():
        fence = _FENCE.match(line.strip())
        if fence and language is None:
            language, lines = fence.group(1), []
        elif line.strip() == "```" and language is not None:
            yield language, lines
            language = None
        elif language is not None:
            lines.append(line)


def _help_examples() -> list[tuple[str, str]]:
    from crmctl.cli import app

    found = []
    for command in app.registered_commands:
        doc = command.callback.__doc__ or ""
        examples = doc.split("Examples:", 1)[1] if "Examples:" in doc else doc.split("Example:", 1)[-1]
        where = f"crmctl {command.name or command.callback.__name__} --help"
        found += [(where, args) for line in examples.splitlines() for args in _line_commands(line)]
    return found


def _line_commands(line: str) -> list[str]:
    """The crmctl commands of a line; commands chained with && are one example (the second needs the first)."""
    commands = [m.group(1).strip() for m in _COMMAND.finditer(line)]
    return [" && ".join(commands)] if "&&" in line and len(commands) > 1 else commands


def _commands() -> set[str]:
    from crmctl.cli import app

    return {c.name or c.callback.__name__ for c in app.registered_commands} | set(SKIP)


def examples() -> list[tuple[str, str]]:
    """(where, the crmctl arguments as written) for every distinct example command, where it first appears."""
    found = []
    for doc in DOCS:
        for language, lines in _blocks(doc.read_text(encoding="utf-8")):
            if language in SHELL_BLOCKS:
                name = doc.relative_to(ROOT).as_posix()
                found += [(name, args) for line in lines for args in _line_commands(line)]
    found += _help_examples()
    commands, first = _commands(), {}
    for where, args in found:  # "pipx inject crmctl vl-convert-python" names the package, not a command
        if args and args.split()[0] in commands:
            first.setdefault(args, where)
    return [(where, args) for args, where in first.items()]


def skip_reason(args: str) -> str | None:
    if re.search(r"\[|\bDATE\b|\bFILE\b|\bNAME\b|\bDIM\b|…|\|", args):
        return "a synopsis of the options, not a command"
    for marker, why in {**NOT_IN_A_CLONE, **SKIP}.items():
        if marker in args:
            return why
    return None


def _argv(args: str) -> list[str]:
    """The arguments crmctl gets: shell variables ("$out/x.html") as folders of the clone, redirections
    (2>&1, > file) left to the shell."""
    words = shlex.split(re.sub(r"\$\{?(\w+)\}?", r"\1", args))
    argv = []
    for word in words:
        if re.match(r"^\d?>", word):
            if word in (">", "1>", "2>"):
                argv.append(None)  # the file name that follows goes too
            continue
        if argv and argv[-1] is None:
            argv[-1] = "__gone__"
            continue
        argv.append(word)
    return [a for a in argv if a not in (None, "__gone__")]


EXAMPLES = examples()


def test_the_examples_are_found():
    """The parser sees the commands it should: a few known ones from each source."""
    written = {a for _, a in EXAMPLES}
    assert {"report", "compare --by segment", "drivers -c examples/telco.yaml",
            "compare --experiment checkout-2024 --control A --confidence 0.9"} <= written
    assert len(EXAMPLES) >= 40
    skipped = {a: skip_reason(a) for _, a in EXAMPLES if skip_reason(a)}
    assert len(skipped) <= 16, skipped  # the skip list stays short and every entry has its reason


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A folder that looks like a clone to relative paths (examples/, sample_data/, config.example.yaml),
    and ./crmctl.yaml the sample config copied, as its first line tells a new user to do."""
    folder = tmp_path_factory.mktemp("clone")
    for name in ("examples", "sample_data", "config.example.yaml"):
        (folder / name).symlink_to(ROOT / name)
    # As the sample config's first line says: copy it to ./crmctl.yaml (the docs' scripts run -c crmctl.yaml).
    # docs/monitoring.md: `history:` turned on, so `crmctl history` has the runs of the examples before it.
    (folder / "crmctl.yaml").write_text((ROOT / "config.example.yaml").read_text()
                                        + "\nhistory: {path: crmctl-history.sqlite}\n")
    return folder


@pytest.mark.parametrize("where,args", EXAMPLES, ids=[f"{w}: {a}"[:90] for w, a in EXAMPLES])
def test_example_runs_on_the_bundled_data(clone, monkeypatch, where, args):
    reason = skip_reason(args)
    if reason:
        pytest.skip(reason)
    from typer.testing import CliRunner

    from crmctl.cli import app

    monkeypatch.delenv("CRMCTL_CONFIG", raising=False)
    monkeypatch.chdir(clone)
    for command in args.split(" && "):
        argv = _argv(command)
        for flag in ("-o", "--output"):
            if flag in argv and argv[argv.index(flag) + 1] != "-":
                (clone / argv[argv.index(flag) + 1]).parent.mkdir(parents=True, exist_ok=True)
        result = CliRunner().invoke(app, argv, catch_exceptions=False)
        allowed = (0, 1) if argv[0] == "check" else (0,)  # check exits 1 when a target is missed: its job
        assert result.exit_code in allowed, f"{where}: crmctl {command}\n{result.stderr}"
        assert "Traceback" not in result.stderr
