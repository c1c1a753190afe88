"""The CLI: JSON outputs, GeoJSON files, and one-line errors with a non-zero exit."""

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env_extra=None):
    import os

    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "gis", *map(str, args)], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120
    )


def test_stats_json_keys():
    r = run("stats", "--width-km", 10, "--split", 0.3)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for k in (
        "date",
        "width_km",
        "ru_depth_km",
        "ua_depth_km",
        "frontline_km",
        "zone_km2",
        "zone_km2_by_side",
        "occupied_km2",
        "occupied_pct",
        "population",
    ):
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


@pytest.mark.parametrize(
    "args,msg",
    [
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
    ],
)
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
    r = run("add-snapshot", snap, "--date", "2026-08-15", env_extra=env)  # between two shipped dates, in the past
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert 110_000 < d["occupied_km2"] < 120_000 and 1_000 < d["frontline_km"] < 1_500
    dates = json.loads(run("dates", env_extra=env).stdout)
    assert "2026-08-15" in dates and len(dates) == 55
    st = json.loads(run("stats", "--width-km", "10", "--date", "2026-08-15", env_extra=env).stdout)
    assert st["date"] == "2026-08-15" and st["zone_km2"] > 5_000
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    r = run("add-snapshot", bad, "--date", "2026-08-16", env_extra=env)
    assert r.returncode == 2 and "no features" in r.stderr


TOMORROW = (date.today() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "day,msg",
    [
        ("20260901", "YYYY-MM-DD"),
        ("2026-W40-1", "YYYY-MM-DD"),
        ("2026-02-30", "YYYY-MM-DD"),
        ("2026-8-1", "YYYY-MM-DD"),
        ("2026-08-15\n", "YYYY-MM-DD"),
        ("٢٠٢٦-٠٨-١٥", "YYYY-MM-DD"),
        (TOMORROW, "in the future"),
        ("2026-08-22", "already a shipped snapshot for 2026-08-22; give --replace"),
    ],
)
def test_add_snapshot_refuses_bad_or_existing_dates(tmp_path, day, msg):
    r = run(
        "add-snapshot",
        ROOT / "tests" / "bad_inputs" / "valid_zone.geojson",
        "--date",
        day,
        env_extra={"FFE_USER_DATA": str(tmp_path / "user")},
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and msg in r.stderr
    assert not (tmp_path / "user").exists()  # nothing written


def test_add_snapshot_replace_and_size_limit(tmp_path):
    env = {"FFE_USER_DATA": str(tmp_path / "user")}
    occ = gpd.read_parquet(ROOT / "geodata" / "occupied.parquet")
    snap = tmp_path / "snap.geojson"
    occ[occ.date == "2026-08-01"][["geometry"]].to_file(snap, driver="GeoJSON")
    r = run("add-snapshot", snap, "--date", "2026-08-22", "--replace", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "user" / "occupied_2026-08-22.parquet").is_file()
    big = tmp_path / "big.geojson"
    with open(big, "wb") as f:
        f.truncate(21 * 2**20)  # one rule for every upload: 20 MB, checked before reading
    r = run("add-snapshot", big, "--date", "2026-08-16", env_extra=env)
    assert r.returncode == 2 and "the limit is 20 MB" in r.stderr


def _write_user_snapshots(folder):
    """Four broken user snapshots: unreadable, badly named, a wrong date inside, and one with no front."""
    import shapely

    folder.mkdir(parents=True)
    (folder / "occupied_2026-08-10.parquet").write_bytes(b"PAR1 this is not parquet")
    (folder / "occupied_20260811.parquet").write_bytes(b"")
    occ = gpd.read_parquet(ROOT / "geodata" / "occupied.parquet")
    occ[occ.date == "2026-08-22"][["date", "source", "geometry"]].to_parquet(folder / "occupied_2026-08-12.parquet")
    gpd.GeoDataFrame(
        {"date": ["2026-08-13"], "source": ["user-added snapshot"]},
        geometry=[shapely.box(20, 40, 45, 56)],
        crs="EPSG:4326",
    ).to_parquet(folder / "occupied_2026-08-13.parquet")


def test_broken_user_snapshots_are_skipped_with_notices(tmp_path):
    env = {"FFE_USER_DATA": str(tmp_path / "user")}
    _write_user_snapshots(tmp_path / "user")
    r = run("dates", env_extra=env)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)) == 54  # the shipped dates only
    notices = [x for x in r.stderr.splitlines() if x.startswith("notice: Skipped user snapshot")]
    assert len(notices) == 4 and "Traceback" not in r.stderr
    assert any("occupied_2026-08-13.parquet: No frontline found" in n for n in notices)  # a polygon over all of Ukraine
    r = run("stats", "--width-km", "10", env_extra=env)
    assert r.returncode == 0 and json.loads(r.stdout)["date"] == "2026-08-22"


def test_unexpected_error_is_one_line_exit_2(monkeypatch, capsys):
    from gis import cli

    def boom(args):
        raise RuntimeError("internal\ndetail")

    monkeypatch.setitem(cli.COMMANDS, "dates", boom)
    assert cli.main(["dates"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected RuntimeError" in err and "Traceback" not in err


def test_json_safe_has_no_nan():
    from gis.cli import json_safe

    out = json.dumps(
        json_safe({"a": float("nan"), "b": [float("inf"), 1.5], "c": np.float64("nan"), "d": np.int64(3)}),
        allow_nan=False,
    )
    assert json.loads(out) == {"a": None, "b": [None, 1.5], "c": None, "d": 3}


def test_uav_orbits_bounded():
    r = run("coverage", "--width-km", "25", "--uav-orbits", "1000000000")
    assert r.returncode == 2 and "UAV orbits must be a whole number 0-100" in r.stderr


def test_user_snapshot_over_the_size_limit_is_skipped_with_a_notice(tmp_path, monkeypatch):
    """A stored user snapshot larger than USER_SNAPSHOT_MAX_BYTES is never read: the app and the CLI skip it
    with a notice, and its date is not offered."""
    from gis import layers

    folder = tmp_path / "user"
    folder.mkdir()
    big = folder / "occupied_2026-08-30.parquet"
    with open(big, "wb") as f:
        f.truncate(layers.USER_SNAPSHOT_MAX_BYTES + 1)
    monkeypatch.setenv("FFE_USER_DATA", str(folder))
    notices = layers.user_snapshot_notices()
    assert any("occupied_2026-08-30.parquet" in n and "larger than 50 MB" in n for n in notices)
    assert "2026-08-30" not in layers.dates()
    r = run("dates", env_extra={"FFE_USER_DATA": str(folder)})
    assert r.returncode == 0 and "2026-08-30" not in r.stdout and "larger than 50 MB" in r.stderr
