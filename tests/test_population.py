"""Population estimates: calibration, range, monotonicity, a known town, the cross-check."""

import numpy as np
import pytest
import shapely
from pyproj import Geod

from gis import crs, layers, stats, zones

GEOD = Geod(ellps="WGS84")


def test_each_method_matches_the_2022_oblast_totals():
    units = layers.population_units()
    totals = layers.oblasts().set_index("iso")["pop_2022"]
    for method, g in units.groupby("method"):
        national = g["pop"].sum()
        assert national == pytest.approx(totals.sum(), rel=0.01), method  # 43.3 M
        by_obl = g.groupby("iso")["pop"].sum().reindex(totals.index)
        assert np.allclose(by_obl, totals, rtol=0.02), method


def test_estimate_lies_in_range_and_sides_sum(pop_index):
    for w in (2, 5, 10, 25, 50):
        e = pop_index.estimate(w / 2, w / 2)
        assert e.low <= e.estimate <= e.high
        assert e.occupied + e.ukraine_controlled == pytest.approx(e.estimate, rel=1e-9)
        assert sum(e.by_oblast.values()) == pytest.approx(e.estimate, rel=1e-6)


def test_population_is_monotonic_in_width(pop_index):
    curve = pop_index.curve(0.5)
    for col in ("estimate", "low", "high"):
        assert (np.diff(curve[col]) >= 0).all()
    assert len(curve) == 50 and curve["width_km"].tolist() == list(range(1, 51))


def test_lookup_agrees_with_geometry(front, pop_index):
    """The distance lookup selects the same units as a point-in-zone test on the buffer."""
    z = zones.make_zone(front, 12, 0.5)
    by_lookup = pop_index.inside(z.ru_depth_km, z.ua_depth_km)
    by_geometry = pop_index.inside_polygon(shapely.union(z.occupied, z.controlled))
    disagree = (by_lookup != by_geometry).sum()
    assert disagree <= 0.001 * by_lookup.sum() + 5  # only units on the zone's edge


def test_known_town_distance_matches_independent_geodesic(front):
    """Kostiantynivka (Donetsk oblast) lies a few km from the line: our km_to_line must
    agree with a geodesic distance to the densified frontline within 1 km."""
    towns = stats.towns_inside(front, zones.make_zone(front, 30, 0.5))
    town = towns.set_index("name").loc["Kostyantynivka"]
    line_ll = crs.to_wgs84(shapely.segmentize(front.frontline, 200))
    lon, lat = shapely.get_coordinates(line_ll).T
    near = np.hypot(lon - town.lon, (lat - town.lat)) < 0.5
    d = GEOD.inv(np.full(near.sum(), town.lon), np.full(near.sum(), town.lat), lon[near], lat[near])[2]
    assert town.km_to_line == pytest.approx(d.min() / 1000, abs=1.0)
    assert town.side == "ukraine_controlled"
    # it enters the zone once the Ukrainian-side depth reaches its distance
    inside_at = lambda w: "Kostyantynivka" in set(stats.towns_inside(front, zones.make_zone(front, w, 0.5))["name"])  # noqa: E731
    assert not inside_at(2 * town.km_to_line - 1) and inside_at(2 * town.km_to_line + 1)


def test_25km_zone_is_in_the_cross_checked_range(pop_index):
    """SOURCES.md cross-check for 2026-08-22: 25 km total width = 1.58-1.69 M people
    (uncalibrated points). Our two calibrated methods must bracket a similar figure."""
    e = pop_index.estimate(12.5, 12.5)
    assert 1.2e6 < e.low < e.high < 1.8e6
    assert e.low <= 1.69e6 and e.high >= 1.58e6  # the ranges overlap
    e5 = pop_index.estimate(2.5, 2.5)
    assert 0.3e6 < e5.estimate < 0.5e6  # cross-check: 0.39-0.41 M


def test_zaporizhzhia_npp_inside_25km_not_inside_4km(front):
    z25 = stats.infrastructure_inside(front, zones.make_zone(front, 25, 0.5))
    z4 = stats.infrastructure_inside(front, zones.make_zone(front, 4, 0.5))
    assert "Zaporozhye" in set(z25["plant"]) and "Zaporozhye" not in set(z4["plant"])
    assert z25.set_index("plant").loc["Zaporozhye", "side"] == "occupied"


def test_unknown_populations_are_not_zero_and_sort_last(front):
    """257 GeoNames places carry population 0 (unknown): listed, but as NaN and last."""
    towns = stats.towns_inside(front, zones.make_zone(front, 25, 0.5))
    unknown = towns["population"].isna()
    assert unknown.any() and not (towns["population"] == 0).any()
    assert unknown.to_numpy()[unknown.argmax():].all()  # once unknown, unknown to the end
    known = towns.loc[~unknown, "population"].to_numpy()
    assert (known[:-1] >= known[1:]).all()
