"""The protocol-level load generator (benchmarks/protocol_load.py), short: its command line, two readers
through nginx moving the slider without errors, and a report that holds what the capacity search needs.
The real runs (minutes per trial, the capacity search) are `python -m benchmarks.load --protocol ...`;
their figures are in benchmarks/README.md."""

import json
import subprocess
import sys
from pathlib import Path

from benchmarks import protocol_load

ROOT = Path(__file__).resolve().parents[1]


def test_the_command_line_runs_readers_through_nginx(tmp_path):
    out = tmp_path / "load.json"
    quick = ["--interval", "1", "--duration", "4", "--ramp", "0.5", "--json", str(out)]
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--protocol", "--clients", "3", "--processes", "1", *quick],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 process(es),    3 readers:" in r.stdout and "errors 0" in r.stdout
    (trial,) = json.loads(out.read_text())["trials"]
    assert trial["errors"] == 0, trial["error_kinds"]
    assert trial["moves"] >= 3 and trial["move_median_s"] <= trial["move_p95_s"] <= trial["move_max_s"]
    assert trial["server_cpu_per_move_s"] > 0 and trial["server_rss_mb"] > 100
    assert protocol_load.held(trial, target_s=60.0) and not protocol_load.held({**trial, "errors": 1}, 60.0)
