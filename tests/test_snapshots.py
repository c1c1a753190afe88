"""add-snapshot cannot poison the app: implausible snapshots are refused with their figures unless --force,
a forced one never becomes the default date, one run per date at a time, no symlink is followed, and
the .partial files of killed runs are cleaned up."""

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest

from gis import GisError, layers, snapshots

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "bad_inputs"))
import hostile


def _fc(geom: dict) -> str:
    return json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": geom}]}
    )


def _square(x: float, y: float, dx: float, dy: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + dx, y], [x + dx, y + dy], [x, y + dy], [x, y]]]}


def _shipped(tmp_path: Path, date: str) -> Path:
    """A shipped date's occupied territory as a GeoJSON file to add."""
    occ = gpd.read_parquet(ROOT / "geodata" / "occupied.parquet")
    path = tmp_path / f"occ_{date}.geojson"
    occ[occ.date == date][["geometry"]].to_file(path, driver="GeoJSON")
    return path


def cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "gis", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ),  # FFE_USER_DATA: the test's temp folder (conftest)
        timeout=timeout,
    )


def _stored() -> list[str]:
    folder = layers.user_data_dir()
    return sorted(p.name for p in folder.glob("occupied_*.parquet")) if folder.is_dir() else []


HOSTILE = {
    # a sliver of a triangle inside Ukraine: its area rounds to 0 (it used to be stored with a 61 km "frontline")
    "zero_area": (
        _fc({"type": "Polygon", "coordinates": [[[37.0, 47.5], [37.5, 47.7], [37.5, 47.7000001], [37.0, 47.5]]]}),
        ["occupied area 0.00 km² (plausible 50,000–200,000 km²)"],
    ),
    # a 22 x 22 km square near Lviv (it used to be stored as 480 km² occupied and become the default date)
    "lviv_square": (_fc(_square(24.0, 49.8, 0.303, 0.197)), ["occupied area 477 km²", "frontline"]),
    # a valid 1 MB file of 4,999 small squares (it used to take 13.5 s and slow every page down)
    "squares_4999": (hostile.disjoint_squares(4_999).decode(), ["4,999 separate polygons (at most 200)"]),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_implausible_snapshots_are_refused_with_their_figures(tmp_path, name):
    text, expected = HOSTILE[name]
    path = tmp_path / f"{name}.geojson"
    path.write_text(text)
    r = cli("add-snapshot", path, "--date", "2026-08-15")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr  # one line
    assert r.stderr.startswith("error: Not stored: the snapshot for 2026-08-15 is implausible: ")
    for figure in expected:
        assert figure in r.stderr, r.stderr
    assert "2026-08-22 has 116,482 km² occupied and a 1,271 km frontline" in r.stderr  # the reference figures
    assert "--force" in r.stderr
    assert _stored() == []


def test_a_jump_from_the_nearest_date_is_refused(tmp_path):
    """A real but old outline (September 2022) given a 2026 date: area and line are in their bands, but a fifth
    of the territory would have changed hands in a week."""
    r = cli("add-snapshot", _shipped(tmp_path, "2022-09-01"), "--date", "2026-08-15")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "changed hands since the nearest shipped date 2026-08-22 (at most 11% for 0.2 months apart)" in r.stderr
    assert _stored() == []


def test_forced_snapshot_is_stored_but_never_the_default_date(tmp_path):
    path = tmp_path / "lviv.geojson"
    path.write_text(HOSTILE["lviv_square"][0])
    r = cli("add-snapshot", path, "--date", "2026-09-01", "--force")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["checked"] is False and any("occupied area 477 km²" in p for p in out["problems"])
    assert "2026-09-01" in layers.dates() and layers.dates()[-1] == "2026-09-01"  # listed, the newest ...
    assert layers.latest_date() == "2026-08-22"  # ... but not the default
    assert any("2026-09-01 is listed but not used as the default date" in n for n in layers.user_snapshot_notices())
    st = json.loads(cli("stats", "--width-km", "10").stdout)
    assert st["date"] == "2026-08-22"

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert at.session_state["date"] == "2026-08-22"  # the pages open on the default date too


def test_a_plausible_newer_snapshot_becomes_the_default(tmp_path):
    out = snapshots.add_snapshot(_shipped(tmp_path, "2026-08-01"), "2026-09-01")
    assert out["checked"] is True and out["problems"] == []
    assert layers.latest_date() == "2026-09-01"


def test_second_run_for_a_date_exits_2_while_one_holds_its_lock(tmp_path):
    folder = layers.user_data_dir()
    folder.mkdir(parents=True)
    with snapshots.date_lock(folder, "2026-08-15"):  # what a running add-snapshot holds
        r = cli("add-snapshot", _shipped(tmp_path, "2026-08-22"), "--date", "2026-08-15")
    assert r.returncode == 2 and r.stderr.count("\n") == 1
    assert "Another add-snapshot for 2026-08-15 is running" in r.stderr
    assert _stored() == []
    # and once it is free, the same run succeeds
    assert cli("add-snapshot", _shipped(tmp_path, "2026-08-22"), "--date", "2026-08-15").returncode == 0


def _locked_inodes() -> set[int]:
    """Inodes with a flock held (from /proc/locks: 'N: FLOCK ADVISORY WRITE pid maj:min:inode ...')."""
    lines = [line.split() for line in Path("/proc/locks").read_text().splitlines() if "->" not in line]
    return {int(f[5].rsplit(":", 1)[1]) for f in lines if len(f) > 5}


def test_a_running_add_snapshot_holds_the_date_lock(tmp_path):
    folder = layers.user_data_dir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gis", "add-snapshot", str(_shipped(tmp_path, "2026-08-22")), "--date", "2026-08-15"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lock = folder / ".occupied_2026-08-15.lock"
    seen = False
    while proc.poll() is None and not seen:
        seen = lock.exists() and lock.stat().st_ino in _locked_inodes()
        time.sleep(0.01)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert seen, "the run finished without ever holding its date lock"
    with open(lock) as f:  # released at exit
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)


def test_a_planted_partial_symlink_is_not_followed(tmp_path):
    folder = layers.user_data_dir()
    folder.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    planted = folder / ".occupied_2026-08-15.parquet.partial"
    planted.symlink_to(victim)
    r = cli("add-snapshot", _shipped(tmp_path, "2026-08-22"), "--date", "2026-08-15")
    assert r.returncode == 0, r.stderr
    assert victim.read_text() == "precious"  # never written through
    assert not planted.is_symlink()  # removed (as a link) with the stale partials
    assert json.loads(r.stdout)["removed_partials"] == [planted.name]
    assert _stored() == ["occupied_2026-08-15.parquet"]
    assert not (folder / "occupied_2026-08-15.parquet").is_symlink()


def test_a_planted_lock_symlink_is_refused(tmp_path):
    folder = layers.user_data_dir()
    folder.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / ".occupied_2026-08-15.lock").symlink_to(victim)
    with pytest.raises(GisError, match="is a symbolic link; refusing to follow it"):
        snapshots.add_snapshot(_shipped(tmp_path, "2026-08-22"), "2026-08-15")
    assert victim.read_text() == "precious" and _stored() == []


def test_stale_partials_are_cleaned_but_not_a_running_ones(tmp_path):
    folder = layers.user_data_dir()
    folder.mkdir(parents=True)
    stale = [folder / ".occupied_2026-08-10.parquet.partial", folder / ".occupied_2026-08-11.x8k2.partial"]
    for p in stale:
        p.write_bytes(b"PAR1 half-written")
    busy = folder / ".occupied_2026-08-12.q1w2.partial"
    busy.write_bytes(b"PAR1 being written")
    with snapshots.date_lock(folder, "2026-08-12"):  # a run for 2026-08-12 is writing it
        out = snapshots.add_snapshot(_shipped(tmp_path, "2026-08-22"), "2026-08-15")
    assert sorted(out["removed_partials"]) == sorted(p.name for p in stale)
    assert not any(p.exists() for p in stale) and busy.exists()
    assert not list(folder.glob(".occupied_2026-08-15*partial"))  # its own temporary file was renamed
