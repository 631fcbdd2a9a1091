"""A report under a memory limit a third of its input (issue 24: exports larger than memory).

    python benchmarks/limited.py CONFIG [--ratio 3] [--metrics all] [--by segment]

Runs `crmctl report` once without a limit and once in a memory cgroup limited to the size of the CSV the
config maps divided by --ratio, then says whether the limited run completed and gave the same bytes. The
cgroup is a child of this process's own memory cgroup (v1: memory.limit_in_bytes; v2: memory.max), so it
only ever narrows what the machine allows; it is removed afterwards. Without a writable cgroup it falls back
to RLIMIT_AS (prlimit), which limits address space rather than memory and says so in its output.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CRMCTL, _inputs  # noqa: E402  (a script beside run.py)


def _own_cgroup() -> tuple[Path, str] | None:
    """This process's memory cgroup directory and the file that sets a limit in it, if there is one."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        number, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/"), "memory.limit_in_bytes"
        if number == "0" and controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            return Path("/sys/fs/cgroup") / path.lstrip("/"), "memory.max"
    return None


def _run_limited(command: list[str], limit: int) -> tuple[int, float, str]:
    """Exit code, wall seconds and how the limit was set, for `command` under `limit` bytes."""
    found = _own_cgroup()
    group = found[0] / f"crmctl-limited-{os.getpid()}" if found else None
    try:
        group.mkdir()
        (group / found[1]).write_text(str(limit))
        how = f"cgroup {group} ({found[1]} = {limit:,})"
        enter = lambda: (group / "cgroup.procs").write_text(str(os.getpid()))  # noqa: E731
    except (AttributeError, OSError):
        group = None
        how = f"RLIMIT_AS = {limit:,} (address space, not memory: no writable cgroup)"
        enter = lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit))  # noqa: E731
    started = time.perf_counter()
    try:
        code = subprocess.run(command, preexec_fn=enter, stdout=subprocess.DEVNULL).returncode
    finally:
        if group is not None:
            group.rmdir()
    return code, time.perf_counter() - started, how


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config", type=Path)
    parser.add_argument("--ratio", type=float, default=3.0, help="input size ÷ memory limit")
    parser.add_argument("--metrics", default="all")
    parser.add_argument("--by", default="segment")
    args = parser.parse_args()
    size = sum(f.stat().st_size for f in _inputs(args.config.resolve()))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    report = [*CRMCTL, "report", "-c", str(args.config), "--period", "month", "--metrics", args.metrics,
              "--format", "csv", *(["--by", args.by] if args.by else [])]
    free, limited = out / "unlimited.csv", out / "limited.csv"
    limited.unlink(missing_ok=True)
    subprocess.run([*report, "--output", str(free)], check=True, stdout=subprocess.DEVNULL)
    code, seconds, how = _run_limited([*report, "--output", str(limited)], int(size / args.ratio))
    identical = code == 0 and filecmp.cmp(free, limited, shallow=False)
    same = identical or code == 0 and _close(free, limited)
    print(f"input {size / 2**20:,.0f} MB; limit {size / args.ratio / 2**20:,.0f} MB by {how}")
    print(f"limited run: exit {code} after {seconds:.1f} s; " + ("same bytes as unlimited" if identical else
          "same numbers as unlimited, to 1e-10 relative (two unlimited runs differ as much: parallel float sums)"
          if same else
          "killed (out of memory)" if code in (-9, 137) else "output differs" if code == 0 else "failed"))


def _close(a: Path, b: Path) -> bool:
    """The same cells, numbers within 1e-10 relative: segmentation_effectiveness sums per-customer revenue in
    the order a parallel group_by gives, so two runs of one commit differ in its 12th digit."""
    left, right = a.read_text().splitlines(), b.read_text().splitlines()
    return len(left) == len(right) and all(_same_cells(x.split(","), y.split(",")) for x, y in zip(left, right))


def _same_cells(left: list[str], right: list[str]) -> bool:
    def close(x: str, y: str) -> bool:
        try:
            return abs(float(x) - float(y)) <= 1e-10 * max(abs(float(x)), abs(float(y)))
        except ValueError:
            return False

    return len(left) == len(right) and all(x == y or close(x, y) for x, y in zip(left, right))


if __name__ == "__main__":
    main()
