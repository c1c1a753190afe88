"""Monitoring coverage: monotonic in range and spacing, full line at spacing <= 2R,
gaps consistent with the geometry, posts at their offset, user posts validated."""

import json
import math
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.ops

from gis import GisError, uploads, zones
from gis import monitoring as mon

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "bad_inputs"


@pytest.fixture(scope="module")
def zone(front):
    return zones.make_zone(front, 20, 0.5)


def _cov(front, zone, range_km=4.0, spacing_km=8.0, offset_km=0.0, sides="both"):
    posts = mon.auto_posts(front, spacing_km, offset_km, sides)
    return mon.coverage(front, zone, mon.get_sensor("camera", range_km), posts, offset_km)


def test_coverage_rises_with_range(front, zone):
    covs = [_cov(front, zone, range_km=r, spacing_km=15) for r in (2, 4, 6, 10)]
    assert all(b.zone_covered_pct > a.zone_covered_pct for a, b in pairwise(covs))
    assert all(b.line_covered_pct >= a.line_covered_pct for a, b in pairwise(covs))


def test_coverage_falls_with_spacing(front, zone):
    covs = [_cov(front, zone, spacing_km=s) for s in (6, 10, 20, 40)]
    assert all(b.zone_covered_pct < a.zone_covered_pct for a, b in pairwise(covs))
    assert all(b.line_covered_pct < a.line_covered_pct for a, b in pairwise(covs[1:]))
    assert all(b.posts.size < a.posts.size for a, b in pairwise(covs))


@pytest.mark.parametrize("range_km,spacing_km", [(4, 8), (4, 6), (12, 24), (12, 20)])
def test_spacing_within_twice_range_covers_whole_line(front, zone, range_km, spacing_km):
    c = _cov(front, zone, range_km=range_km, spacing_km=spacing_km)
    assert c.line_covered_pct == 100.0 and c.gaps == []
    assert c.posts_for_full_line <= c.posts.size


def test_wide_spacing_gaps_match_geometry(front, zone):
    r, s = 4.0, 30.0
    c = _cov(front, zone, range_km=r, spacing_km=s)
    line = front.frontline
    uncovered_km = (line.length - shapely.intersection(line, c.covered).length) / 1000
    assert sum(c.gaps_km()) == pytest.approx(uncovered_km, rel=0.01)
    assert 100 * (1 - uncovered_km * 1000 / line.length) == pytest.approx(c.line_covered_pct, abs=0.05)
    # on a line, each interval between posts leaves at most spacing - 2*range unwatched
    assert max(c.gaps_km()) <= (s - 2 * r) * 1.01
    assert c.gaps_km() == sorted(c.gaps_km(), reverse=True)
    assert c.posts_for_full_line > c.posts.size


@pytest.mark.parametrize("offset_km,sides", [(0, "both"), (5, "both"), (10, "occupied"), (3, "ukraine_controlled")])
def test_posts_lie_at_their_offset(front, offset_km, sides):
    posts = mon.auto_posts(front, 10, offset_km, sides)
    assert posts.size > 50
    d_km = shapely.distance(posts, front.frontline_simple) / 1000
    assert np.all(np.abs(d_km - offset_km) <= 0.01 * offset_km + 0.15)  # 100 m line simplification
    if sides != "both":
        side = front.sides.occupied_side if sides == "occupied" else front.sides.controlled
        assert shapely.intersects(side, posts).mean() > 0.98


def test_offset_beyond_range_cannot_watch_line(front, zone):
    c = _cov(front, zone, range_km=4, spacing_km=5, offset_km=10)
    assert c.line_covered_pct == 0 and c.posts_for_full_line is None


def test_staff_and_uav(front, zone):
    c = _cov(front, zone)
    assert c.staff == c.posts.size * mon.SENSORS["camera"].crew
    plan = mon.UavPlan(orbits=4, endurance_h=6)
    assert plan.airframes == 4 * 5
    with_uav = mon.coverage(front, zone, mon.get_sensor("camera"), mon.auto_posts(front, 30), 0, plan)
    assert with_uav.line_covered_pct > _cov(front, zone, spacing_km=30).line_covered_pct


@pytest.mark.parametrize(
    "name,msg",
    [
        ("points_outside_ukraine.geojson", "outside Ukraine"),
        ("valid_zone.geojson", "is a Polygon"),
        ("empty_collection.geojson", "no features"),
        ("null_geometry.geojson", "no non-empty geometry"),
    ],
)
def test_user_posts_are_validated(name, msg):
    with pytest.raises(GisError, match=msg):
        uploads.read_geojson_bytes((CORPUS / name).read_bytes(), kinds=("Point",))


def test_user_posts_used(front, zone):
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [37.55, 48.55]}},
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "MultiPoint", "coordinates": [[35.0, 47.55], [33.0, 46.7]]},
            },
        ],
    }
    up = uploads.read_geojson_bytes(json.dumps(fc).encode(), kinds=("Point",))
    posts = mon.user_posts_m(up.geometries)
    assert posts.size == 3
    c = mon.coverage(front, zone, mon.get_sensor("radar_vehicles"), posts, 0)
    assert 0 < c.zone_covered_pct < 100


@pytest.mark.parametrize("bad", [dict(range_km=-1), dict(range_km=float("nan")), dict(crew=-2)])
def test_bad_sensor_parameters(bad):
    with pytest.raises(GisError):
        mon.get_sensor("camera", **bad)


def test_cli_coverage(tmp_path):
    out = tmp_path / "cov.geojson"
    r = subprocess.run(
        [sys.executable, "-m", "gis", "coverage", "--width-km", "20", "--spacing-km", "30", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    for k in ("zone_covered_pct", "line_covered_pct", "posts", "posts_for_full_line", "gaps_km"):
        assert k in d
    assert 0 < d["line_covered_pct"] < 100 and d["gaps_km"]
    layers_ = {f["properties"]["layer"] for f in json.loads(out.read_text())["features"]}
    assert layers_ == {"post", "coverage", "gap"}
    r = subprocess.run(
        [sys.executable, "-m", "gis", "coverage", "--width-km", "20", "--sensor", "laser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Unknown sensor" in r.stderr and "Traceback" not in r.stderr


def test_user_posts_and_uav_orbits_are_bounded():
    pts = [shapely.Point(37.0 + i * 1e-4, 48.5) for i in range(mon.MAX_POSTS + 1)]
    with pytest.raises(GisError, match="the limit is 5,000"):
        mon.user_posts_m(pts)
    assert mon.user_posts_m(pts[: mon.MAX_POSTS]).size == mon.MAX_POSTS
    for bad in (-1, mon.MAX_UAV_ORBITS + 1, 2.5):
        with pytest.raises(GisError, match="UAV orbits"):
            mon.UavPlan(orbits=bad)
    assert mon.UavPlan(orbits=mon.MAX_UAV_ORBITS).airframes == mon.MAX_UAV_ORBITS * 5


def test_overlapping_uav_orbits_watch_the_union_of_their_stretches(front):
    """100 orbits of 80 km overlap about six-fold on the ~1,300 km line; merging the overlapping stretches
    before buffering must give the union of each orbit's own 5 km strip (built here one by one)."""
    plan = mon.UavPlan(orbits=mon.MAX_UAV_ORBITS)
    parts = sorted(shapely.get_parts(front.frontline), key=lambda g: -g.length)
    total, seg = sum(p.length for p in parts), plan.segment_km * 1000
    strips = []
    for k in range(plan.orbits):
        pos = (k + 0.5) * total / plan.orbits
        for p in parts:
            if pos <= p.length:
                strips.append(shapely.ops.substring(p, max(0, pos - seg / 2), min(p.length, pos + seg / 2)))
                break
            pos -= p.length
    expected = shapely.union_all(shapely.buffer(strips, plan.footprint_km * 1000))
    got = mon.uav_coverage(front, plan)
    assert shapely.symmetric_difference(got, expected).area / expected.area < 1e-4
    band = shapely.union_all(shapely.buffer(shapely.get_parts(front.frontline), 5_000)).area
    assert 0.9 * band < got.area <= band * 1.0001  # nearly the whole line's 5 km band


def test_posts_for_area_is_the_hexagonal_layout_count():
    """Discs of radius R tile an area without gaps as hexagons of (3√3/2)·R² km² each."""
    hexagon_km2 = 1.5 * math.sqrt(3) * 4.0**2  # 41.6 km² per camera post
    assert mon.posts_for_area(hexagon_km2, 4.0) == 1
    assert mon.posts_for_area(hexagon_km2 * 1.01, 4.0) == 2
    assert mon.posts_for_area(10_000, 4.0) == math.ceil(10_000 / hexagon_km2) == 241
    assert mon.posts_for_area(10_000, 12.0) < mon.posts_for_area(10_000, 4.0) / 8
    assert mon.posts_for_area(0.0, 4.0) == 0
