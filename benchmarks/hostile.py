"""Time and peak memory of the CLI on each hostile upload (tests/bad_inputs/hostile.py).

    python -m benchmarks.hostile [--timeout 60] [--mem-gb 6] [NAME ...]

Each case runs ``python -m gis ...`` under ``/usr/bin/time -v`` with a wall-clock
timeout and an address-space cap (so a runaway case cannot take the machine
down), and prints one row: seconds, peak RSS (MB), exit code, last stderr line.
Target: every case under 10 s and 2 GB, exit 0 with a right answer or exit 2
with a clear one-line message.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))
import hostile as h  # noqa: E402

ZONE, LINE, POSTS = (
    ("stats", "--zone"),
    ("stats", "--width-km", "25", "--frontline"),
    ("coverage", "--width-km", "25", "--posts"),
)

CASES = {  # name: (command prefix, file bytes maker)
    "polygon_random_400": (ZONE, lambda: h.self_crossing_polygon(400)),
    "polygon_random_1000": (ZONE, lambda: h.self_crossing_polygon(1_000)),
    "polygon_random_10000": (ZONE, lambda: h.self_crossing_polygon(10_000)),
    "line_random_1000": (LINE, lambda: h.random_line(1_000)),
    "line_random_20000": (LINE, lambda: h.random_line(20_000)),
    "line_zigzag_1000": (LINE, lambda: h.zigzag_line(1_000)),
    "squares_overlapping_60000": (ZONE, lambda: h.overlapping_squares(60_000)),
    "squares_disjoint_100000": (ZONE, lambda: h.disjoint_squares(100_000)),
    "comb_800k_vertices": (ZONE, lambda: h.comb(800_000)),
    "comb_rotated_100k": (ZONE, lambda: h.comb(100_000, rotated=True)),
    "holes_20000": (ZONE, lambda: h.polygon_with_holes(20_000)),
    "line_800k_points": (LINE, lambda: h.wiggly_line(800_000)),
    "line_50k_x18": (LINE, lambda: h.repeated_line(50_000, 18)),
    "line_sawtooth_100k_220m": (LINE, lambda: h.wiggly_line(100_000)),
    "posts_100000": (POSTS, lambda: h.many_posts(100_000)),
    "uav_orbits_1e9": (("coverage", "--width-km", "25", "--uav-orbits", "1000000000"), None),
    # just under the limits: the worst an accepted file can cost
    "polygon_random_200 (4,400 crossings)": (ZONE, lambda: h.self_crossing_polygon(200)),
    "line_random_in_box_200": (LINE, lambda: h.random_line_in_box(200)),
    "comb_30k_vertices": (ZONE, lambda: h.comb(29_990)),
    "comb_rotated_2000": (ZONE, lambda: h.comb(2_000, rotated=True)),
    "squares_disjoint_5000": (ZONE, lambda: h.disjoint_squares(5_000)),
    "holes_5000": (ZONE, lambda: h.polygon_with_holes(5_000)),
    "holes_6000": (ZONE, lambda: h.polygon_with_holes(6_000)),
    "lines_short_5000": (LINE, lambda: h.short_lines(5_000)),
    "line_sawtooth_10000": (LINE, lambda: h.wiggly_line(10_000)),
    "line_sawtooth_30000": (LINE, lambda: h.wiggly_line(29_999)),
    "line_30k_20m_noise (honest)": (LINE, lambda: h.wiggly_line(29_999, 0.0002)),
    "line_1500_x18_overlapping": (LINE, lambda: h.repeated_line(1_500, 18)),
    "occupied_territory_as_zone (honest)": (ZONE, h.real_occupied_zone),
    "posts_5000": (POSTS, lambda: h.many_posts(5_000)),
    "uav_orbits_100": (("coverage", "--width-km", "25", "--uav-orbits", "100"), None),
    "int_401_digits": (ZONE, lambda: h.huge_integer(401)),
    "int_5001_digits": (ZONE, lambda: h.huge_integer(5_001)),
    "crs_properties_list": (ZONE, lambda: h.crs_properties(["EPSG:4326"])),
    "crs_properties_string": (ZONE, lambda: h.crs_properties("EPSG:4326")),
    "crs_local_cs": (ZONE, h.engineering_crs),
    "type_is_a_list": (ZONE, h.type_as_list),
    "whole_world_zone": (ZONE, h.whole_world),
    "pole_to_pole_strip": (ZONE, h.pole_to_pole_strip),
    "posts_1_in_999_out": (POSTS, h.posts_mostly_outside),
    "line_70m_in_3400km_out": (LINE, h.line_mostly_outside),
}


def _peak_rss_mb(pid: int) -> float:
    """Peak RSS (VmHWM, MB) of ``pid``'s child (the Python process under /usr/bin/time)."""
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        status = Path(f"/proc/{kids[0]}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024
    except (OSError, IndexError, AttributeError):
        return float("nan")


def run_case(name: str, timeout_s: float, mem_gb: float, tmp: Path) -> dict:
    """Run one case; on timeout, report the peak memory reached so far and kill it."""
    prefix, make = CASES[name]
    args = list(prefix)
    if make is not None:
        path = tmp / (re.sub(r"\W+", "_", name) + ".geojson")
        path.write_bytes(make())
        args.append(str(path))
    cmd = ["prlimit", f"--as={int(mem_gb * 2**30)}", "/usr/bin/time", "-v", sys.executable, "-m", "gis", *args]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        peak = _peak_rss_mb(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {
            "case": name,
            "s": timeout_s,
            "cpu": float("nan"),
            "mb": peak,
            "rc": "killed",
            "traceback": False,
            "message": f"killed after {timeout_s:g} s",
            "stdout": "",
        }
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", err)
    secs = (int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))) if wall else float("nan")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    rc = re.search(r"Exit status: (\d+)", err)
    own = err.split("\tCommand being timed")[0]
    lines = [x for x in own.splitlines() if x.strip() and not x.startswith("Command exited")]
    cpu = sum(float(v) for v in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", err))
    if out.strip():
        try:
            d = json.loads(out)
            msg = "JSON: " + ", ".join(
                f"{k}={d[k]}" for k in ("zone_km2", "frontline_km", "posts", "zone_covered_pct") if k in d
            )
        except ValueError:
            msg = "INVALID JSON: " + out.strip()[:60].replace("\n", " ")
    else:
        msg = lines[-1] if lines else ""
    return {
        "case": name,
        "s": secs,
        "cpu": cpu,
        "mb": int(rss.group(1)) / 1024 if rss else float("nan"),
        "rc": int(rc.group(1)) if rc else proc.returncode,
        "traceback": "Traceback" in own,
        "message": msg[:120],
        "stdout": out,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=list(CASES))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--mem-gb", type=float, default=6.0)
    a = ap.parse_args(argv)
    print("| case | wall s | CPU s | peak MB | exit | traceback | message |\n|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.names:
            r = run_case(name, a.timeout, a.mem_gb, Path(tmp))
            print(
                f"| {r['case']} | {r['s']:.1f} | {r['cpu']:.1f} | {r['mb']:.0f} | {r['rc']} | "
                f"{'yes' if r['traceback'] else 'no'} | {r['message']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
