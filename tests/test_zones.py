"""Side-aware buffer zones: monotonic area, split respected geodesically, inside Ukraine."""

from itertools import pairwise

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.ops import nearest_points

from gis import GisError, crs, zones

GEOD = Geod(ellps="WGS84")


def test_area_grows_with_width(front):
    areas = [zones.make_zone(front, w, 0.5).area_km2 for w in (1, 2, 5, 10, 15, 25, 40, 50, 100)]
    assert all(b > a for a, b in pairwise(areas))
    # a 10 km zone along a ~1,350 km line is of the order of 10 x 1,350 km2 (minus border/coast clipping)
    assert 9_000 < areas[3] < 14_000


def _max_geodesic_depth_km(front, part) -> float:
    """The largest geodesic distance (km) from the zone part's vertices to the frontline."""
    verts = shapely.points(shapely.get_coordinates(part))
    d = shapely.distance(verts, front.frontline_simple)
    far = verts[np.argmax(d)]
    near = nearest_points(front.frontline_simple, far)[0]
    (lon1, lat1), (lon2, lat2) = shapely.get_coordinates(crs.to_wgs84(shapely.MultiPoint([near, far])))
    return GEOD.inv(lon1, lat1, lon2, lat2)[2] / 1000


@pytest.mark.parametrize("width,split", [(10, 0.5), (20, 0.25), (25, 0.8)])
def test_split_depth_measured_geodesically(front, width, split):
    z = zones.make_zone(front, width, split)
    assert z.ru_depth_km == pytest.approx(width * split)
    assert z.ua_depth_km == pytest.approx(width * (1 - split))
    assert _max_geodesic_depth_km(front, z.occupied) == pytest.approx(width * split, rel=0.01)
    assert _max_geodesic_depth_km(front, z.controlled) == pytest.approx(width * (1 - split), rel=0.01)


def test_split_moves_area_between_sides(front):
    a = zones.make_zone(front, 20, 0.2)
    b = zones.make_zone(front, 20, 0.8)
    assert b.area_km2_occupied > 2 * a.area_km2_occupied
    assert a.area_km2_controlled > 2 * b.area_km2_controlled
    one_sided = zones.make_zone(front, 20, 1.0)
    assert one_sided.controlled.is_empty and one_sided.area_km2_controlled == 0


def test_zone_never_leaves_ukraine_and_sides_do_not_overlap(front):
    z = zones.make_zone(front, 50, 0.5)
    outside = shapely.difference(shapely.union(z.occupied, z.controlled), front.ukraine)
    assert outside.area < 1.0  # m2: numerical noise only
    assert shapely.intersection(z.occupied, z.controlled).area < 1.0
    assert shapely.difference(z.occupied, front.sides.occupied_side).area < 1.0


@pytest.mark.parametrize(
    "width,split",
    [
        (-1, 0.5),
        (0, 0.5),
        (0.4, 0.5),
        (151, 0.5),
        (float("nan"), 0.5),
        (float("inf"), 0.5),
        (10, -0.1),
        (10, 1.1),
        (10, float("nan")),
        ("abc", 0.5),
    ],
)
def test_bad_width_or_split_is_a_clear_error(front, width, split):
    with pytest.raises(GisError, match=r"Width|Split|number"):
        zones.make_zone(front, width, split)


def test_proposals_presets():
    p = zones.PROPOSALS
    assert set(p) == {"russian", "ukrainian", "korea", "kellogg", "minsk2"}
    assert (p["russian"].width_km, p["ukrainian"].width_km, p["korea"].width_km) == (5, 25, 4)
    assert (p["kellogg"].width_km, p["minsk2"].width_km) == (30, 50)
    assert all(x.label and x.source and 0 <= x.split <= 1 for x in p.values())
    with pytest.raises(GisError, match="Unknown proposal"):
        zones.get_proposal("peace-now")


def test_ukrainian_preset_zone_contains_russian_one(front):
    ru = zones.make_zone(front, zones.PROPOSALS["russian"].width_km, zones.PROPOSALS["russian"].split)
    ua = zones.make_zone(front, zones.PROPOSALS["ukrainian"].width_km, zones.PROPOSALS["ukrainian"].split)
    assert ua.area_km2 > 3 * ru.area_km2
    assert shapely.difference(ru.occupied, ua.occupied).area < 1.0


def test_zone_difference_is_what_b_adds_by_side(front):
    """The Compare page's 'B adds': the part of B outside A, on each side; A minus itself is empty."""
    a, b = zones.make_zone(front, 5, 0.5), zones.make_zone(front, 25, 0.5)
    added = zones.zone_difference(front, b, a)
    assert added.custom and added.name == "difference"
    assert added.area_km2_occupied == pytest.approx(b.area_km2_occupied - a.area_km2_occupied, rel=1e-3)
    assert added.area_km2_controlled == pytest.approx(b.area_km2_controlled - a.area_km2_controlled, rel=1e-3)
    a_all = shapely.union(a.occupied, a.controlled)
    assert shapely.area(shapely.intersection(added.occupied, a_all)) < 1.0  # m²: nothing of A in it
    assert zones.zone_difference(front, a, b).area_km2 < 0.01  # the narrower zone adds nothing
    assert zones.zone_difference(front, a, a).area_km2 == 0


def test_intersection_falls_back_to_a_1cm_grid_when_geos_fails(front, monkeypatch):
    """Nearly coincident edges can make GEOS fail to node an overlay: the custom zone is cut again on a
    1 cm grid instead of failing."""
    real = shapely.intersection
    grids = []

    def flaky(a, b, grid_size=None, **kw):
        grids.append(grid_size)
        if grid_size is None:
            raise shapely.errors.GEOSException("TopologyException: found non-noded intersection")
        return real(a, b, grid_size=grid_size, **kw)

    polygon = zones.make_zone(front, 20, 0.5).controlled.buffer(1000)
    expected = zones.custom_zone(front, polygon)
    monkeypatch.setattr(shapely, "intersection", flaky)
    zone = zones.custom_zone(front, polygon)
    assert 0.01 in grids and None in grids
    assert zone.area_km2 == pytest.approx(expected.area_km2, rel=1e-6)
