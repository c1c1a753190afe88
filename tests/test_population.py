"""Population estimates: calibration, range, monotonicity, a known town, the cross-check."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from gis import crs, export, layers, population, stats, zones
from gis.population import METHODS

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
    disagree = np.flatnonzero(by_lookup != by_geometry)
    assert len(disagree) <= 0.005 * by_lookup.sum()
    # only units on the zone's edge (the buffer's polygon chords cut up to ~30 m inside its arcs)
    assert (np.abs(pop_index.dist_km[disagree] - 6.0) < 0.05).all()


def test_known_town_distance_matches_independent_geodesic(front, pop_index):
    """Kostiantynivka (Donetsk oblast) lies a few km from the line: our km_to_line (its
    centre's) must agree with a geodesic distance to the densified frontline within 1 km."""
    towns = stats.towns_inside(front, zones.make_zone(front, 30, 0.5), pop_index)
    town = towns.set_index("place").loc["Kostiantynivka"]
    line_ll = crs.to_wgs84(shapely.segmentize(front.frontline, 200))
    lon, lat = shapely.get_coordinates(line_ll).T
    near = np.hypot(lon - town.lon, (lat - town.lat)) < 0.5
    d = GEOD.inv(np.full(near.sum(), town.lon), np.full(near.sum(), town.lat), lon[near], lat[near])[2]
    assert town.km_to_line == pytest.approx(d.min() / 1000, abs=1.0)
    assert town.side == "ukraine_controlled"
    assert town.km_min <= town.km_to_line <= town.km_max


def test_a_city_enters_the_zone_part_by_part(front, pop_index):
    """Kramatorsk (about 12-21 km from the line): not inside while the Ukrainian-side depth is
    short of its nearest part, partly inside in between, wholly inside past its farthest part."""
    k = stats.towns_inside(front, zones.make_zone(front, 60, 0.5), pop_index).set_index("place").loc["Kramatorsk"]
    assert 8 < k.km_min < k.km_to_line < k.km_max < 30 and k.share_inside == 1

    def share_at(w: float) -> float:
        towns = stats.towns_inside(front, zones.make_zone(front, w, 0.5), pop_index).set_index("place")
        return towns["share_inside"].get("Kramatorsk", 0.0)

    assert share_at(2 * k.km_min - 1) == 0 and share_at(2 * k.km_min + 1) > 0
    assert 0 < share_at(k.km_min + k.km_max) < 1 and share_at(2 * k.km_max + 1) == 1


def test_25km_zone_is_in_the_cross_checked_range(pop_index):
    """SOURCES.md cross-check for 2026-08-22: 25 km total width = 1.58-1.69 M people
    (uncalibrated points); the raw data supports 1.0-2.3 M. Our estimate must sit there."""
    e = pop_index.estimate(12.5, 12.5)
    assert 1.0e6 < e.low <= e.estimate <= e.high < 2.3e6
    assert 1.5e6 < e.estimate < 1.8e6
    e5 = pop_index.estimate(2.5, 2.5)
    assert 0.3e6 < e5.estimate < 0.5e6  # cross-check: 0.39-0.41 M


def test_zaporizhzhia_npp_inside_25km_not_inside_4km(front):
    z25 = stats.infrastructure_inside(front, zones.make_zone(front, 25, 0.5))
    z4 = stats.infrastructure_inside(front, zones.make_zone(front, 4, 0.5))
    assert "Zaporizhzhia NPP" in set(z25["name"]) and "Zaporizhzhia NPP" not in set(z4["name"])
    assert z25.set_index("name").loc["Zaporizhzhia NPP", "side"] == "occupied"


def test_kramatorsk_airport_inside_25km_on_the_controlled_side(front):
    """Kramatorsk Airport lies about 11.6 km from the 2026-08-22 line (issue 10; 11.7 at airportsdata's point)."""
    z25 = stats.infrastructure_inside(front, zones.make_zone(front, 25, 0.5)).set_index("name")
    assert z25.loc["Kramatorsk Airport", "side"] == "ukraine_controlled"
    assert z25.loc["Kramatorsk Airport", "km_to_line"] == pytest.approx(11.7, abs=0.5)
    z20 = stats.infrastructure_inside(front, zones.make_zone(front, 20, 0.5))
    assert "Kramatorsk Airport" not in set(z20["name"])  # 10 km on each side is not enough


def test_unknown_populations_are_not_zero_and_sort_last(front, pop_index):
    """GeoNames places with population 0 (unknown): listed when their centre is inside,
    with NaN people, after all places with known people inside."""
    towns = stats.towns_inside(front, zones.make_zone(front, 25, 0.5), pop_index)
    unknown = towns["population"].isna()
    assert unknown.any() and not (towns["population"] == 0).any()
    assert unknown.to_numpy()[unknown.argmax() :].all()  # once unknown, unknown to the end
    inside = towns.loc[~unknown, "people_inside"].to_numpy()
    assert (inside[:-1] >= inside[1:]).all()


# --------------------------------------------------------------------------- issue 18: the ground and the range

WIDTHS_KM = (5, 10, 25, 50)


@pytest.mark.parametrize("width_km", (5, 10))
def test_at_most_2_percent_of_the_zones_people_on_water(pop_index, width_km):
    """The estimate's people (the mean of the two methods) inside the 5 and 10 km zones that stand on the
    water mask (the Dnipro, the Kakhovka reservoir's bed): at most 2 % (15-21 % before, issue 18)."""
    e = pop_index.estimate(width_km / 2, width_km / 2)
    inside = pop_index.inside(width_km / 2, width_km / 2)
    water = layers.water_metric()
    on_water = shapely.contains_xy(water, pop_index.x[inside], pop_index.y[inside])
    share = pop_index.pop[inside][on_water].sum() / len(METHODS) / e.estimate
    assert share <= 0.02, f"{share:.1%} of the {width_km} km zone's people on water"


def test_every_settlements_people_stay_on_its_own_side_and_its_total_is_kept(pop_index):
    """Per date, a settlement's extent (both methods) holds people only on its centre's side, and what the
    other side would have held is on its own land: the units of each settlement still sum to what was shipped."""
    sid = pop_index.sid
    ext = sid >= 0
    shipped = layers.population_units()["pop"].to_numpy(np.float64)
    key = pop_index.method_idx[ext] * 10_000 + sid[ext]
    before = pd.Series(shipped[ext]).groupby(key).sum()
    after = pd.Series(pop_index.pop[ext]).groupby(key).sum()
    assert np.allclose(before.to_numpy(), after.to_numpy(), rtol=1e-6)
    wrong_side = pop_index.occupied[ext] != pop_index.centre_occupied[sid[ext]]
    assert wrong_side.any()  # extents did reach across the line ...
    assert (pop_index.pop[ext][wrong_side] == 0).all()  # ... and hold nobody there now


def test_nikopol_on_the_right_bank(pop_index):
    """Nikopol (105,160 people) faces Enerhodar across the drained reservoir: all of it on land on the
    Ukrainian-controlled side."""
    s = layers.settlements()
    nikopol = s[s.name == "Nikopol"].sort_values("population").settlement_id.iloc[-1]
    u = np.flatnonzero((pop_index.sid == nikopol) & (pop_index.pop > 0))
    assert len(u) > 20
    assert not pop_index.occupied[u].any()
    assert not shapely.contains_xy(layers.water_metric(), pop_index.x[u], pop_index.y[u]).any()
    assert pop_index.pop[u].sum() == pytest.approx(2 * 105_160, rel=0.05)  # both methods, OCHA-scaled


@pytest.mark.parametrize("width_km", WIDTHS_KM)
def test_plain_hromada_centre_count_lies_in_the_range(front, pop_index, width_km):
    """The sum of the official 2022 totals of the hromadas whose centre lies inside the exported zone
    (`python -m gis zones`' features) falls between low and high, at 5, 10, 25 and 50 km (issue 18)."""
    z = zones.make_zone(front, width_km, 0.5)
    features = export.zone_features(z)
    zone_ll = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in features])
    plain = population.hromada_centre_count(layers.hromadas(), crs.to_metric(zone_ll))
    e = pop_index.estimate(width_km / 2, width_km / 2)
    assert e.low <= plain <= e.high, (width_km, e.low, plain, e.high)
    assert e.low <= e.estimate <= e.high


def test_the_range_has_its_components(pop_index):
    """Each kind of alternative moves the figure: placement at every width, the line fill at 5 km; and the
    whole range holds each component's own range."""
    for w in WIDTHS_KM:
        e = pop_index.estimate(w / 2, w / 2)
        assert set(e.by_placement) == set(population.PLACEMENTS)
        assert "line_fill" in e.components and "grey_zone" not in e.components  # no grey zone after 2025-08
        for lo, hi in e.components.values():
            assert e.low <= lo <= hi <= e.high
        lo, hi = e.components["placement"]
        assert hi - lo > 0.01 * e.estimate
    e5 = pop_index.estimate(2.5, 2.5)
    assert e5.by_line["no_fill"] > e5.by_line["main"]  # the line without the fill runs nearer to towns


def test_grey_zone_counted_to_either_side_on_a_date_that_has_one():
    index = stats.population_index(layers.front("2025-08-01"))
    e = index.estimate(2.5, 2.5)
    assert {"main", "no_fill", "grey_occupied"} <= set(e.by_line)
    lo, hi = e.components["grey_zone"]
    assert hi > lo and e.low <= lo and hi <= e.high


def test_the_line_fill_component_matches_a_direct_computation(front, pop_index):
    """alt_distance_km (the segments the two tracings share reused) gives the people the line without the
    fill adds as measuring every unit from scratch against the unsimplified lines does, within 0.5 % of the
    zone's people, at 2.5, 5 and 12.5 km depth."""
    from gis.frontline import derive_sides

    alt = layers.line_variants(front)[0]
    raw = derive_sides(front.sides.occupied, front.ukraine, fill=shapely.Polygon()).frontline
    sel = np.flatnonzero(pop_index.dist_km < 20)
    x, y, d0 = pop_index.x[sel], pop_index.y[sel], pop_index.dist_km[sel]
    fast = population.alt_distance_km(shapely.points(x, y), d0, front.frontline_simple, alt.line)
    direct = population.distance_to_line_km(x, y, raw, max_km=30)
    main_raw = population.distance_to_line_km(x, y, front.frontline, max_km=30)
    w = np.where(pop_index.method_idx[sel] == 0, pop_index.pop[sel], 0.0)
    for depth in (2.5, 5.0, 12.5):
        n_main = w[d0 <= depth].sum()
        added_fast = w[fast <= depth].sum() - n_main
        added_direct = w[direct <= depth].sum() - w[main_raw <= depth].sum()
        assert added_direct > 0 and abs(added_fast - added_direct) <= 0.005 * n_main, (depth, added_fast, added_direct)


def test_people_inside_by_side_and_the_left_bank_towns():
    """`python -m gis stats --width-km 10 --max-towns 5000`: every row gives its people inside by side; Nova
    Kakhovka, Kakhovka and Oleshky (occupied left bank) have nobody on the Ukrainian-controlled side."""
    out = subprocess.run(
        [sys.executable, "-m", "gis", "stats", "--width-km", "10", "--max-towns", "5000"],
        capture_output=True,
        text=True,
        cwd=layers.GEODATA_DIR.parent,
        check=True,
    ).stdout
    rows = json.loads(out)["population"]["settlements"]
    assert len(rows) > 100
    for r in rows:
        by_side = r["people_inside_by_side"]
        assert set(by_side) == {"occupied", "ukraine_controlled"}
        if r["people_inside"] is not None:
            assert by_side["occupied"] + by_side["ukraine_controlled"] == pytest.approx(r["people_inside"], abs=1)
    left_bank = {r["place"]: r for r in rows if r["place"] in ("Nova Kakhovka", "Kakhovka", "Oleshky")}
    assert set(left_bank) == {"Nova Kakhovka", "Kakhovka", "Oleshky"}
    for r in left_bank.values():
        assert r["people_inside_by_side"]["ukraine_controlled"] == 0 and r["people_inside_by_side"]["occupied"] > 0
