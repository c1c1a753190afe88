"""The protocol-level load generator (benchmarks/protocol_load.py), short: a few readers through nginx move
the slider without errors and the report holds what the capacity search needs. The real runs (minutes per
trial, the capacity search) are `python -m benchmarks.load --protocol ...`; their figures are in the README."""

import subprocess
import sys
from pathlib import Path

from benchmarks import protocol_load

ROOT = Path(__file__).resolve().parents[1]


def test_readers_move_the_slider_through_nginx():
    with protocol_load.deployment(1) as dep:
        r = protocol_load.run_trial(dep, clients=4, interval_s=1.0, duration_s=4.0, ramp_s=1.0)
    assert r["errors"] == 0, r["error_kinds"]
    assert r["moves"] >= 4 and r["move_p95_s"] is not None and r["move_median_s"] <= r["move_p95_s"]
    assert r["server_cpu_per_move_s"] > 0 and r["server_rss_mb"] > 100
    assert protocol_load.held(r, target_s=60.0) and not protocol_load.held({**r, "errors": 1}, target_s=60.0)


QUICK = ["--interval", "1", "--duration", "2", "--ramp", "0.5"]


def test_the_command_line_runs():
    r = subprocess.run(
        [sys.executable, "-m", "benchmarks.load", "--protocol", "--clients", "2", "--processes", "1", *QUICK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "1 process(es),    2 readers:" in r.stdout and "errors 0" in r.stdout
