"""Benchmark crmctl against the Polars read floor and a DuckDB SQL subset, on generated exports.

    python benchmarks/run.py --customers 1000000 [--repeat 3]
    python benchmarks/run.py --config /work/benchdata-shared/crm.yaml   # an export set already on disk

Generates (once, cached under benchmarks/data/) an export set in the sample data's shape (or takes the
set a --config maps, e.g. the export-style one of /work/shared/bench/gen_synth.py), then, in
separate processes so that each peak memory is its own, measures the best of --repeat rounds (each
round runs every command once in turn: the machine may be shared):
  floor    Polars scanning exactly the columns the report reads, dates with the same formats and
           numbers by a plain cast, aggregated trivially (the cost of reading and typing the data)
  floor_checked  the same with crmctl's own validating conversion (what the report must pay)
  report   `crmctl report` with every computable metric, monthly, by segment, to CSV
  report_subset  the same, for the nine metrics of the DuckDB subset
  duckdb   DuckDB SQL for a core subset: revenue, orders, AOV, active customers, NPS, CSAT,
           ticket volume, FCR, mean resolution time (duckdb_sql.py writes it from the config)
  customers  `crmctl customers -f csv`, with --with-customers
  startup  `crmctl --help` and `crmctl metrics`
Memory is the peak resident set and the peak of anonymous memory (heap; see _run_once()).
Prints the ratios report/floor, report/duckdb and heap/input and writes
benchmarks/results/<customers or the config's folder>.json. Needs `pip install -e '.[bench]'`; Linux for the
heap sampling.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DUCKDB_SUBSET = ("revenue", "orders", "average_order_value", "active_customers", "nps", "csat", "ticket_volume",
                 "first_contact_resolution", "avg_resolution_time")
ROOT = HERE.parent
CRMCTL = [sys.executable, "-m", "crmctl"]


def measure_rounds(commands: dict[str, list[str]], repeat: int) -> dict[str, dict]:
    """`repeat` rounds, each running every command once in turn, so that a burst of load on the shared
    machine slows one round of every command rather than every run of one: each command's best and
    median wall time and its largest peaks of memory (ratios are taken from the best)."""
    runs = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(_run_once(command))
    out = {}
    for name, measured in runs.items():
        seconds = [m[0] for m in measured]
        heap = max(m[2] for m in measured) or None  # None where /proc does not exist (macOS): not zero memory
        out[name] = {"seconds": min(seconds), "median": statistics.median(seconds), "runs": seconds,
                     "cpu": min(m[3] for m in measured), "peak_mb": max(m[1] for m in measured), "heap_mb": heap}
    return out


def _run_once(command: list[str]) -> tuple[float, float, float, float]:
    """Wall seconds, peak RSS and peak heap (MB), and CPU seconds of one run of a command in its own process.

    The peak resident set (ru_maxrss) counts the pages of memory-mapped input files, which the kernel can
    drop at any time. The heap is the peak of anonymous memory (RssAnon, sampled every 10 ms): what the
    process allocated itself, and what decides whether it fits in RAM.
    """
    started = time.perf_counter()
    errors = tempfile.TemporaryFile()  # not a pipe: a chatty child must never block on it
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)
    heap_kb = 0
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        heap_kb = max(heap_kb, _anonymous_kb(child.pid))
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        errors.seek(0)
        raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()[-2000:]}")
    errors.close()
    return seconds, usage.ru_maxrss / 1024, heap_kb / 1024, usage.ru_utime + usage.ru_stime


def _anonymous_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("RssAnon:")), 0)
    except OSError:  # exited between wait4 and the read
        return 0


def prepare(customers: int, seed: int) -> Path:
    folder = HERE / "data" / str(customers)
    config = folder / "crmctl.yaml"
    if not config.exists():
        print(f"generating {customers:,} customers into {folder} …", flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "sample_data" / "generate.py"), "--customers", str(customers),
                        "--seed", str(seed), "--out", str(folder)], check=True)
        text = (ROOT / "config.example.yaml").read_text().replace("path: sample_data/", "path: ./")
        config.write_text(text)
        print(f"  {time.perf_counter() - started:.1f} s", flush=True)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--config", type=Path, help="benchmark the exports this config maps instead")
    parser.add_argument("--with-customers", action="store_true",
                        help="time `crmctl customers -f csv` in the same rounds (its target: 1.5 x the report)")
    args = parser.parse_args()
    config = args.config.resolve() if args.config else prepare(args.customers, args.seed)
    files = _inputs(config)
    size_mb = sum(f.stat().st_size for f in files) / 2**20
    print(f"{len(files)} files, {size_mb:,.0f} MB of CSV", flush=True)
    worker = [sys.executable, str(HERE / "workers.py")]
    (HERE / "results").mkdir(exist_ok=True)
    report = [*CRMCTL, "report", "-c", str(config), "--period", "month", "--by", "segment", "--format", "csv",
              "--output", str(HERE / "results" / "report.csv")]
    results = measure_rounds({
        "floor": [*worker, "floor_plain", str(config)],
        "floor_checked": [*worker, "floor", str(config)],
        "report": [*report, "--metrics", "all"],
        "report_subset": [*report, "--metrics", ",".join(DUCKDB_SUBSET)],
        "duckdb": [*worker, "duckdb", str(config)],
        **({"customers": [*CRMCTL, "customers", "-c", str(config), "--format", "csv", "--output",
                          str(HERE / "results" / "customers.csv")]} if args.with_customers else {}),
    }, args.repeat)
    results |= measure_rounds({"help": [*CRMCTL, "--help"], "metrics": [*CRMCTL, "metrics", "-c", str(config)]},
                              max(args.repeat, 5))
    ratios = {"report_over_floor": results["report"]["seconds"] / results["floor"]["seconds"],
              "report_over_checked_floor": results["report"]["seconds"] / results["floor_checked"]["seconds"],
              "report_over_duckdb": results["report"]["seconds"] / results["duckdb"]["seconds"],
              "subset_over_duckdb": results["report_subset"]["seconds"] / results["duckdb"]["seconds"],
              "subset_over_duckdb_cpu": results["report_subset"]["cpu"] / results["duckdb"]["cpu"],
              "report_over_floor_cpu": results["report"]["cpu"] / results["floor"]["cpu"],
              "report_peak_over_input": results["report"]["peak_mb"] / size_mb,
              "report_heap_over_input": results["report"]["heap_mb"] / size_mb if results["report"]["heap_mb"] else None}
    if "customers" in results:
        ratios["customers_over_report"] = results["customers"]["seconds"] / results["report"]["seconds"]
    summary = {"customers": None if args.config else args.customers, "config": str(config), "input_mb": size_mb,
               "results": results, "ratios": ratios,
               "machine": {"python": platform.python_version(), "cpus": _cpus(), "platform": platform.platform(),
                           "load_average": os.getloadavg()}}
    out = HERE / "results" / f"{config.parent.name if args.config else args.customers}.json"
    out.write_text(json.dumps(summary, indent=2))
    for name, r in results.items():
        heap = f"{r['heap_mb']:6.0f} MB" if r["heap_mb"] else "   n/a"
        print(f"{name:>13}: {r['seconds']:8.3f} s (median {r['median']:7.3f}, CPU {r['cpu']:7.3f})  "
              f"peak RSS {r['peak_mb']:6.0f} MB  heap {heap}")
    print(f"report / plain floor   = {ratios['report_over_floor']:.2f}  (target ≤ 3, then ≤ 1.5)")
    print(f"report / checked floor = {ratios['report_over_checked_floor']:.2f}")
    print(f"report / duckdb        = {ratios['report_over_duckdb']:.2f}  (all metrics vs the duckdb subset)")
    print(f"duckdb / same subset   = {1 / ratios['subset_over_duckdb']:.2f}  (target ≥ 1.0, then ≥ 1.5)")
    print(f"in CPU seconds: duckdb / subset = {1 / ratios['subset_over_duckdb_cpu']:.2f}, "
          f"report / plain floor = {ratios['report_over_floor_cpu']:.2f}  (less sensitive to other processes)")
    print(f"report peak RSS / input  = {ratios['report_peak_over_input']:.2f}  (counts mapped input pages)")
    heap_ratio = ratios["report_heap_over_input"]
    print(f"report heap / input      = {'n/a' if heap_ratio is None else f'{heap_ratio:.2f}'}  (target ≤ 1)")
    if "customers" in results:
        print(f"customers / report       = {ratios['customers_over_report']:.2f}  (target ≤ 1.5)")
    print(f"wrote {out}")


def _inputs(config: Path) -> list[Path]:
    """The files the config's datasets read: their size is the input the memory target compares with."""
    sys.path.insert(0, str(ROOT))
    from crmctl.config import load_config

    found = {f for dataset in load_config(config).datasets.values() for pattern in dataset.paths
             for f in pattern.parent.glob(pattern.name)}
    return sorted(found)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()
