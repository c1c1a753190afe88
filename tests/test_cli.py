"""The CLI: JSON outputs, GeoJSON files, and one-line errors with a non-zero exit."""

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env_extra=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "gis", *map(str, args)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_stats_json_keys():
    r = run("stats", "--width-km", 10, "--split", 0.3)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for k in ("date", "width_km", "ru_depth_km", "ua_depth_km", "frontline_km", "zone_km2", "zone_km2_by_side",
              "occupied_km2", "occupied_pct", "population"):
        assert k in d
    assert d["ru_depth_km"] == 3 and d["ua_depth_km"] == 7
    assert d["zone_km2"] == pytest.approx(sum(d["zone_km2_by_side"].values()), abs=0.2)
    assert d["population"]["low"] <= d["population"]["estimate"] <= d["population"]["high"]
    assert isinstance(d["population"]["settlements"], list)
    assert all(t["population"] is None or t["population"] > 0 for t in d["population"]["settlements"])


def test_stats_proposal_sets_width():
    d = json.loads(run("stats", "--proposal", "kellogg").stdout)
    assert d["width_km"] == 30 and d["ru_depth_km"] == 15 and d["proposal"] == "kellogg"


def test_zones_and_layer_write_geojson(tmp_path):
    out = tmp_path / "z.geojson"
    r = run("zones", "--width-km", 25, "--out", out)
    assert r.returncode == 0, r.stderr
    gdf = gpd.read_file(out)
    assert set(gdf["side"]) == {"occupied", "ukraine_controlled"}
    for name in ("frontline", "occupied", "oblasts", "ukraine"):
        out = tmp_path / f"{name}.geojson"
        r = run("layer", name, "--out", out)
        assert r.returncode == 0, r.stderr
        assert len(gpd.read_file(out)) >= 1
    assert len(gpd.read_file(tmp_path / "oblasts.geojson")) == 27


def test_proposals_and_curve():
    d = json.loads(run("proposals").stdout)
    assert len(d["proposals"]) == 5 and "modelled" in d["note"].lower()
    csv = run("population-curve", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("width_km,estimate,low,high") and len(csv) == 51


@pytest.mark.parametrize("args,msg", [
    (["stats", "--width-km", "-5"], "Width must be between"),
    (["stats", "--width-km", "nan"], "Width must be between"),
    (["stats", "--width-km", "10", "--split", "2"], "Split must be between"),
    (["stats", "--width-km", "10", "--date", "2019-01-01"], "No snapshot for"),
    (["stats", "--width-km", "10", "--date", "yesterday"], "YYYY-MM-DD"),
    (["stats", "--proposal", "nope"], "Unknown proposal"),
    (["stats"], "--width-km"),
    (["zones", "--width-km", "10", "--out", "/nonexistent-dir/z.geojson"], "Cannot write"),
    (["layer", "rivers", "--out", "x.geojson"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_nonzero_with_one_line(args, msg):
    r = run(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [x for x in r.stderr.splitlines() if x.strip() and not x.startswith("notice:")]
    assert len(lines) == 1 and msg in lines[0], r.stderr


def test_add_snapshot_extends_history(tmp_path):
    src = ROOT / "geodata"
    occ = gpd.read_parquet(src / "occupied.parquet")
    snap = tmp_path / "snap.geojson"
    occ[occ.date == "2026-08-22"][["geometry"]].to_file(snap, driver="GeoJSON")
    env = {"FFE_USER_DATA": str(tmp_path / "user")}
    r = run("add-snapshot", snap, "--date", "2026-11-01", env_extra=env)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert 110_000 < d["occupied_km2"] < 120_000 and 1_000 < d["frontline_km"] < 1_500
    dates = json.loads(run("dates", env_extra=env).stdout)
    assert dates[-1] == "2026-11-01"
    st = json.loads(run("stats", "--width-km", "10", "--date", "2026-11-01", env_extra=env).stdout)
    assert st["date"] == "2026-11-01" and st["zone_km2"] > 5_000
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    r = run("add-snapshot", bad, "--date", "2026-12-01", env_extra=env)
    assert r.returncode == 2 and "no features" in r.stderr
