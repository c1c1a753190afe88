"""The bad-input corpus through the parser and the CLI: clear messages, no tracebacks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gis import GisError, uploads

HERE = Path(__file__).parent
CORPUS = HERE / "bad_inputs"
sys.path.insert(0, str(CORPUS))
from cases import ACCEPTED, ERRORS


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_file_gives_clear_error(name):
    kinds, msg = ERRORS[name]
    with pytest.raises(GisError, match=msg):
        uploads.read_geojson_bytes((CORPUS / name).read_bytes(), kinds=kinds)


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_repairable_file_is_accepted_with_notice(name):
    kinds, notice = ACCEPTED[name]
    up = uploads.read_geojson_bytes((CORPUS / name).read_bytes(), kinds=kinds)
    assert up.geometries and all(g.is_valid for g in up.geometries)
    if notice:
        assert any(notice in n for n in up.notices)


def test_bowtie_repair_keeps_both_lobes():
    up = uploads.read_geojson_bytes((CORPUS / "self_intersecting_bowtie.geojson").read_bytes(), kinds=("Polygon",))
    assert up.repaired and len(up.geometries) == 1
    assert up.geometries[0].area > 0.1  # both triangles kept, nothing silently dropped


def test_huge_file_is_refused_before_parsing(tmp_path):
    big = b'{"type": "FeatureCollection", "features": [' + b" " * (50 * 2**20) + b"]}"
    with pytest.raises(GisError, match="limit is 20 MB"):
        uploads.read_geojson_bytes(big)


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "gis", *map(str, args)], cwd=HERE.parent, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "name",
    [
        "malformed.geojson",
        "latlon_swapped.geojson",
        "shapefile.zip",
        "empty_collection.geojson",
        "nan_coordinates.geojson",
    ],
)
def test_cli_custom_zone_bad_files(name):
    r = _cli("stats", "--zone", CORPUS / name)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert ERRORS[name][1] in r.stderr


def test_cli_custom_zone_and_line_work():
    r = _cli("stats", "--zone", CORPUS / "valid_zone.geojson")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert 1_000 < d["zone_km2"] < 3_500  # a 0.6 x 0.5 degree box near Pokrovsk is ~2,500 km2
    assert d["population"]["estimate"] > 0
    r = _cli("stats", "--frontline", CORPUS / "valid_line.geojson", "--width-km", 10)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert 50 < d["frontline_km"] < 200 and d["zone_km2"] > 500
    r = _cli("stats", "--frontline", CORPUS / "valid_zone.geojson", "--width-km", 10)
    assert r.returncode == 2 and "LineString" in r.stderr


def test_cli_repairs_with_notice():
    r = _cli("stats", "--zone", CORPUS / "self_intersecting_bowtie.geojson")
    assert r.returncode == 0 and "repaired" in r.stderr


# ----------------------------------------------------------------------------- hostile files (generated)

import hostile
import numpy as np
import shapely
from cases import HOSTILE_ACCEPTED, HOSTILE_ERRORS

from gis import crs, frontline, layers, zones


@pytest.mark.parametrize("name", sorted(HOSTILE_ERRORS))
def test_hostile_file_gives_clear_error(name):
    kinds, make, msg = HOSTILE_ERRORS[name]
    with pytest.raises(GisError) as e:
        uploads.read_geojson_bytes(make(), kinds=kinds)
    assert msg in str(e.value)


def test_whole_world_zone_is_all_of_ukraine(front):
    kinds, make, notice = HOSTILE_ACCEPTED["whole_world_zone"]
    up = uploads.read_geojson_bytes(make(), kinds=kinds)
    assert any(notice in n and "510,065,6" in n for n in up.notices)  # the WGS84 ellipsoid: 510,065,622 km2
    zone = zones.custom_zone(front, up.metric())
    ukraine_km2 = float(crs.area_km2(front.ukraine))
    assert zone.area_km2 == pytest.approx(ukraine_km2, rel=1e-3)


def test_pole_to_pole_strip_reports_the_part_inside_ukraine(front):
    kinds, make, notice = HOSTILE_ACCEPTED["pole_to_pole_strip"]
    up = uploads.read_geojson_bytes(make(), kinds=kinds)
    assert any(notice in n for n in up.notices)
    zone = zones.custom_zone(front, up.metric())
    # reference: Ukraine's outline cut to 36-38 E in lon/lat, measured on the ellipsoid
    ua = layers.ukraine().geometry.values[0]
    expected = crs.area_km2_lonlat(shapely.intersection(ua, shapely.box(36, -90, 38, 90)))
    assert 50_000 < expected < 65_000
    assert zone.area_km2 == pytest.approx(expected, rel=0.01)
    corners_only = crs.area_km2(shapely.intersection(crs.to_metric(shapely.box(36, -90, 38, 90)), front.ukraine))
    assert corners_only < 0.5 * expected  # reprojecting only the corners is what went wrong


def test_world_area_on_the_ellipsoid():
    assert crs.area_km2_lonlat(shapely.box(-180, -90, 180, 90)) == pytest.approx(510_065_622, rel=1e-6)


def test_densify_bounds_the_vertices_it_adds():
    comb = shapely.from_geojson(json.dumps(json.loads(hostile.comb(20_000))["features"][0]["geometry"]))
    dense = crs.densify_lonlat(comb)
    assert shapely.get_num_coordinates(dense) - shapely.get_num_coordinates(comb) <= crs.DENSIFY_MAX_ADDED
    small = crs.densify_lonlat(shapely.box(36, 48, 37, 48.5))
    assert shapely.get_num_coordinates(small) > 50  # 1 degree edges in 0.05 degree steps


def test_count_crossings_matches_brute_force():
    rng = np.random.default_rng(3)
    for n in (3, 10, 40, 80):
        line = shapely.LineString(rng.uniform(0, 1, (n, 2)))
        xy = shapely.get_coordinates(line)
        segs = [shapely.LineString(xy[i : i + 2]) for i in range(n - 1)]
        brute = sum(segs[i].intersects(segs[j]) for i in range(n - 1) for j in range(i + 2, n - 1))
        assert uploads.count_crossings([line], limit=10**9) == brute
    square = shapely.box(0, 0, 1, 1)
    assert uploads.count_crossings([square, shapely.box(1, 0, 2, 1)]) == 1  # a shared edge is one overlap
    assert uploads.count_crossings([square, shapely.box(2, 0, 3, 1)]) == 0


def test_self_crossing_line_is_not_noded_and_buffers(front):
    """A figure-of-eight line stays one line (not split at its crossing) and gives a zone."""
    fc = {"type": "LineString", "coordinates": [[37.0, 48.2], [37.6, 48.6], [37.6, 48.2], [37.0, 48.6]]}
    up = uploads.read_geojson_bytes(json.dumps(fc).encode(), kinds=("LineString",))
    line_m = up.metric()
    assert len(shapely.get_parts(line_m)) == 1
    custom = frontline.custom_front(front, line_m)
    assert zones.make_zone(custom, 10, 0.5).area_km2 > 500


@pytest.mark.parametrize(
    "make,msg",
    [
        (lambda: hostile.zigzag_line(1_000), "limit is 10,000 km"),
        (lambda: hostile.wiggly_line(29_000, 0.0012), "after smoothing out wiggles"),
    ],
)
def test_custom_line_limits(front, make, msg):
    up = uploads.read_geojson_bytes(make(), kinds=("LineString",))
    with pytest.raises(GisError, match=msg):
        frontline.custom_front(front, up.metric())


def test_honest_dense_line_is_accepted(front):
    """30,000 points with 20 m of noise: simplified before buffering, analysed like the clean line."""
    up = uploads.read_geojson_bytes(hostile.wiggly_line(29_999, 0.0002), kinds=("LineString",))
    clean = uploads.read_geojson_bytes((CORPUS / "valid_line.geojson").read_bytes(), kinds=("LineString",))
    a = zones.make_zone(frontline.custom_front(front, up.metric()), 10, 0.5).area_km2
    b = zones.make_zone(frontline.custom_front(front, clean.metric()), 10, 0.5).area_km2
    assert a == pytest.approx(b, rel=0.02)


def test_part_outside_is_cut_with_notice():
    fc = {"type": "MultiPoint", "coordinates": [[37.5, 48.5], [35.1, 47.6], [36.0, 49.0], [2.35, 48.86]]}
    up = uploads.read_geojson_bytes(json.dumps(fc).encode(), kinds=("Point",))
    assert shapely.get_num_geometries(up.combined()) == 3
    assert any("1 of 4 points lie outside Ukraine" in n for n in up.notices)


def test_file_too_large_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.geojson"
    with open(big, "wb") as f:
        f.truncate(uploads.MAX_UPLOAD_BYTES + 1)  # sparse: nothing is written or read
    with pytest.raises(GisError, match="the limit is 20 MB"):
        uploads.read_geojson_file(big)


@pytest.mark.parametrize(
    "name",
    [
        "integer_5001_digits",
        "crs_properties_list",
        "crs_engineering_local_cs",
        "type_is_a_list",
        "self_crossing_polygon_1000",
        "comb_40000_vertices",
    ],
)
def test_cli_hostile_zone_one_line_exit_2(tmp_path, name):
    _kinds, make, msg = HOSTILE_ERRORS[name]
    path = tmp_path / f"{name}.geojson"
    path.write_bytes(make())
    r = _cli("stats", "--zone", path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and msg in r.stderr


def test_cli_whole_world_zone_is_valid_json_with_notice(tmp_path):
    path = tmp_path / "world.geojson"
    path.write_bytes(hostile.whole_world())
    r = _cli("stats", "--zone", path)
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} is not JSON"))
    assert d["width_km"] is None and d["ru_depth_km"] is None  # a free shape has no width
    assert 590_000 < d["zone_km2"] < 610_000
    assert "notice:" in r.stderr and "left out" in r.stderr
