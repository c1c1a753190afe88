"""RFC 7946 export: lon/lat, CCW exterior rings, properties, and area round-trip."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gis import export, zones


@pytest.fixture(scope="module")
def zone(front):
    return zones.make_zone(front, 20, 0.4)


def test_export_round_trip_areas_within_0_1_percent(zone, tmp_path):
    fc = export.feature_collection(export.zone_features(zone, "custom"))
    path = export.write_geojson(fc, tmp_path / "zone.geojson")
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    areas = back.to_crs(3035).area / 1e6
    for (_, _, _, area), got, prop in zip(zone.parts(), areas, back["area_km2"], strict=True):
        assert got == pytest.approx(area, rel=0.001)
        assert prop == pytest.approx(area, rel=1e-4)


def test_rfc7946_shape(zone):
    fc = json.loads(export.dumps(export.feature_collection(export.zone_features(zone, "kellogg"), attribution="x")))
    assert "crs" not in fc and fc["type"] == "FeatureCollection"
    props = fc["features"][0]["properties"]
    assert {"side", "depth_km", "area_km2", "date", "proposal", "source"} <= set(props)
    assert props["proposal"] == "kellogg" and "DeepStateMap" in props["source"]
    for f in fc["features"]:
        geom = shapely.geometry.shape(f["geometry"])
        lon, lat = shapely.get_coordinates(geom).T
        assert ((lon > 20) & (lon < 41) & (lat > 44) & (lat < 53)).all()  # lon/lat order, Ukraine
        for poly in shapely.get_parts(geom):
            assert poly.exterior.is_ccw  # RFC 7946 right-hand rule


def test_unwritable_path_is_a_clear_error(zone, tmp_path):
    from gis import GisError

    with pytest.raises(GisError, match="Cannot write"):
        export.write_geojson(export.feature_collection([]), tmp_path / "no" / "such" / "dir.geojson")


def test_rounding_falls_back_when_geos_cannot_snap(zone, monkeypatch):
    """If snapping to the 1e-6 degree grid fails in GEOS, coordinates are rounded and the polygon repaired:
    the feature is still a valid polygon of the same area, never dropped."""
    from gis import crs

    def fail(*a, **kw):
        raise shapely.errors.GEOSException("TopologyException")

    expected = export.zone_features(zone)
    monkeypatch.setattr(shapely, "set_precision", fail)
    feats = export.zone_features(zone)
    assert len(feats) == len(expected)
    for f, e in zip(feats, expected, strict=True):
        got, want = shapely.geometry.shape(f["geometry"]), shapely.geometry.shape(e["geometry"])
        assert got.is_valid and got.geom_type in ("Polygon", "MultiPolygon")
        assert float(crs.area_km2(crs.to_metric(got))) == pytest.approx(
            float(crs.area_km2(crs.to_metric(want))), rel=1e-4
        )
        xy = shapely.get_coordinates(got)
        assert np.allclose(xy, np.round(xy, export.COORD_DECIMALS))


def test_polygon_features_hold_only_polygons_and_zones_carry_people(front, pop_index):
    """A difference of two zones (B minus A) can leave stray lines: the exported feature keeps only its
    polygons, so a shapefile or GeoPackage takes it; the zone features carry their people."""
    from gis import stats

    a, b = zones.make_zone(front, 5, 0.5), zones.make_zone(front, 25, 0.5)
    line = shapely.LineString([(0, 0), (1000, 1000)])
    messy = shapely.GeometryCollection([shapely.box(0, 0, 1000, 1000), line])
    f = export.feature(messy, {"layer": "x"}, polygon=True)
    assert f["geometry"]["type"] == "Polygon"
    added = zones.zone_difference(front, b, a)
    people = stats.analyse(front, b, pop_index).population
    feats = export.zone_features(added, "B minus A") + export.zone_features(b, "B", people=people)
    assert {f["geometry"]["type"] for f in feats} <= {"Polygon", "MultiPolygon"}
    by_side = {f["properties"]["side"]: f["properties"] for f in feats[2:]}
    assert by_side["occupied"]["people"] + by_side["ukraine_controlled"]["people"] == pytest.approx(
        people.estimate, abs=2
    )
    assert by_side["occupied"]["zone_people"] == round(people.estimate)
    assert by_side["occupied"]["zone_people_low"] <= round(people.estimate) <= by_side["occupied"]["zone_people_high"]
