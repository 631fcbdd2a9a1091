"""crmctl watch: settling on files being written, what changed between runs, and the CLI end to end
(exports written while it runs, in a temp folder, bounded by --max-runs and --timeout; Ctrl-C)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from crmctl.monitor.watch import diff, matching, settled, watched

CONFIG = """
    version: 1
    datasets:
      orders:
        path: exports/orders-*.csv
        columns: {order_id: id, customer_id: customer, ordered_at: {column: date, format: "%Y-%m-%d"}, amount: amount}
    report: {period: month, metrics: [revenue, orders]}
"""
HEADER = "id,customer,date,amount\n"


def test_settled_waits_for_a_file_still_being_written(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER)

    def write_slowly():
        for i in range(5):  # 5 rows, 0.1 s apart: the file is half-written for 0.4 s
            time.sleep(0.1)
            with path.open("a") as file:
                file.write(f"{i},a,2025-01-0{i + 1},10\n")

    writer = threading.Thread(target=write_slowly)
    began = time.monotonic()
    writer.start()
    assert settled([str(path)], 0.3, None) is True
    waited = time.monotonic() - began
    writer.join()
    assert waited >= 0.5 + 0.3 - 0.05 and path.read_text().count("\n") == 6


def test_settled_gives_up_at_the_deadline(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text(HEADER)
    stop = time.monotonic() + 0.3
    touch = threading.Thread(target=lambda: [(time.sleep(0.05), path.write_text(HEADER + "x" * i)) for i in range(10)])
    touch.start()
    assert settled([str(path)], 1.0, stop) is False
    touch.join()


def test_watched_folders_and_patterns(tmp_path):
    (tmp_path / "exports").mkdir()
    config = tmp_path / "crmctl.yaml"
    folders, patterns = watched(config, [str(tmp_path / "exports" / "orders-*.csv")])
    assert folders == [tmp_path / "exports", tmp_path]
    assert matching(str(tmp_path / "exports" / "orders-2025-02.csv"), patterns)
    assert not matching(str(tmp_path / "exports" / ".orders-2025-02.csv.tmp"), patterns)
    assert matching(str(config.resolve()), patterns)


def test_diff_of_two_runs():
    before = {("revenue", "2025-01-01", "{}"): 100.0, ("revenue", "2025-02-01", "{}"): 50.0}
    after = {("revenue", "2025-01-01", "{}"): 100.0 + 1e-12, ("revenue", "2025-02-01", "{}"): 45.0,
             ("revenue", "2025-03-01", "{}"): 5.0}
    assert diff(before, after) == [
        {"key": ("revenue", "2025-02-01", "{}"), "before": 50.0, "after": 45.0},
        {"key": ("revenue", "2025-03-01", "{}"), "before": None, "after": 5.0},
    ]


def _start(tmp_path, *options, extra: str = ""):
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / "orders-2025-01.csv").write_text(HEADER + "1,a,2025-01-05,100\n")
    (tmp_path / "crmctl.yaml").write_text("\n".join(line[4:] for line in CONFIG.splitlines()) + "\n" + extra)
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("CRMCTL_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "crmctl", "watch", "-c", str(tmp_path / "crmctl.yaml"),
                             "--settle", "0.2", "--debounce", "50", *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_watch_reruns_when_an_export_arrives_and_stops_at_max_runs(tmp_path):
    process = _start(tmp_path, "--max-runs", "2", "--timeout", "20")
    first = json.loads(process.stdout.readline())
    assert (first["run"], first["trigger"], first["latest"][0]["value"], first["changes"]) == (1, [], 100.0, [])
    # A new monthly export, written in two steps like a slow download: read only once whole.
    partial = tmp_path / "exports" / "orders-2025-02.csv"
    with partial.open("w") as file:
        file.write(HEADER + "2,b,2025-02-03,40\n")
        file.flush()
        time.sleep(0.1)
        file.write("3,c,2025-02-04,2\n")
    second = json.loads(process.stdout.readline())
    assert process.wait(timeout=20) == 0
    assert second["run"] == 2 and second["trigger"] == [str(partial)]
    assert second["period"] == {"start": "2025-02-01", "end": "2025-02-28"}
    assert [(r["metric"], r["value"]) for r in second["latest"]] == [("revenue", 42.0), ("orders", 2.0)]
    assert {(c["metric"], c["period_start"], c["before"], c["after"]) for c in second["changes"]} == {
        ("revenue", "2025-02-01", None, 42.0), ("orders", "2025-02-01", None, 2.0)}


def test_watch_stops_at_its_timeout_and_exits_130_on_ctrl_c(tmp_path):
    process = _start(tmp_path, "--timeout", "1")
    assert json.loads(process.stdout.readline())["run"] == 1
    assert process.wait(timeout=15) == 0
    (tmp_path / "again").mkdir()
    interrupted = _start(tmp_path / "again")
    assert json.loads(interrupted.stdout.readline())["run"] == 1
    interrupted.send_signal(signal.SIGINT)
    assert interrupted.wait(timeout=15) == 130
    assert "crmctl: interrupted" in interrupted.stderr.read()


def test_live_view_shows_the_change_since_the_last_run_and_restated_cells():
    import datetime as dt

    from crmctl.monitor.jobs import Snapshot
    from crmctl.monitor.watch import Run
    from crmctl.render.base import to_text
    from crmctl.render.watch import watch_view

    latest = [{"metric": "revenue", "unit": "money", "segment": {}, "value": 32.0, "n": 3, "anomaly": "high",
               "reason": "…"}]
    snapshot = Snapshot("report", (dt.date(2025, 2, 1), dt.date(2025, 2, 28)), latest, {})
    changes = [{"key": ("revenue", "2025-02-01", "{}"), "before": 25.0, "after": 32.0},
               {"key": ("revenue", "2025-01-01", "{}"), "before": 10.0, "after": 80.0}]
    run = Run(2, dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc), ["/x/orders.csv"], snapshot, None, changes)
    text = to_text([watch_view(run, "month", [Path("/x/orders.csv")])], color=False, width=80)
    assert "run 2 · 09:30:00 UTC · after orders.csv changed" in text and "Latest period: 2025-02" in text
    assert "32.00 │  +7.00 │ anomaly ↑" in text
    assert "Changed since the last run: 2 cells, 1 of them in earlier periods (restated)" in text
    assert "revenue 2025-01-01: 10.00 → 80.00" in text
    assert "Waiting for changes to 1 export file in /x or the config" in text


def test_watch_check_reports_misses_in_its_json_line(tmp_path):
    process = _start(tmp_path, "--check", "--max-runs", "1", extra="targets: {revenue: {min: 500}}\n")
    out, _ = process.communicate(timeout=20)
    (line,) = [json.loads(text) for text in out.splitlines()]
    assert process.returncode == 0 and line["ok"] is False
    assert [(m["metric"], m["value"], m["status"]) for m in line["misses"]] == [("revenue", 100.0, "missed")]


def test_live_view_and_json_line_show_hostile_segments_literally():
    import datetime as dt
    import io

    from rich.console import Console

    from crmctl.monitor.jobs import Snapshot
    from crmctl.monitor.watch import Run
    from crmctl.render.watch import watch_line, watch_view

    name = "[bold red]PWN[/]\x1b[2J\u202e"
    latest = [{"metric": "revenue", "unit": "money", "segment": {"segment": name}, "value": 1.0, "n": 1,
               "anomaly": None, "reason": None}]
    run = Run(1, dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), [], Snapshot("report", None, latest, {}))
    screen = io.StringIO()
    Console(file=screen, width=100, force_terminal=False).print(watch_view(run, "month", [Path("/x/o.csv")]))
    assert "[bold red]PWN[/]\\x1b[2J\\u202e" in screen.getvalue() and "\x1b" not in screen.getvalue()
    line = watch_line(run)
    assert line.isascii() and json.loads(line)["latest"][0]["segment"]["segment"] == name
