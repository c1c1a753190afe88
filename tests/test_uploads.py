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
from cases import ACCEPTED, ERRORS  # noqa: E402


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
    return subprocess.run([sys.executable, "-m", "gis", *map(str, args)], cwd=HERE.parent, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("name", ["malformed.geojson", "latlon_swapped.geojson", "shapefile.zip", "empty_collection.geojson", "nan_coordinates.geojson"])
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
