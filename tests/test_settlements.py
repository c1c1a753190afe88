"""The settlement list (issue 13): one row per real place, official figures and names, extents."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

from gis import crs, layers, present, settlements, stats, zones
from gis.population import METHODS

ROOT = layers.GEODATA_DIR.parent
# City districts and neighbourhoods GeoNames lists as separate places (issue 13)
DISTRICTS = [
    "Saltivka",
    "Pivnichna Saltivka",
    "Oleksiyivka",
    "Rayon KTZ",
    "Zarichnyi",
    "Kovpakivskyi",
    "Sotsmisto",
    "Sonyachnyi",
    "Tsentralno-Miskyi",
    "Mykytivskyi",
    "Kindrativskyi",
    "Pravyi Bereh",
    "Tsentralnyi",
    "Kalmiuskyi",
    "Kalynivskyi",
    "Kyivskyi",
    "Rutchenkivskyi",
    "Tekstylnyk",
]
RUSSIAN_ERA = ["Zaporozhye", "Zaporizhzhya", "Makiyivka", "Siverskodonetsk", "Slovyansk", "Kryvyy Rih", "Mykolayiv"]


@pytest.fixture(scope="module")
def stats50() -> dict:
    """`python -m gis stats --width-km 50 --max-towns 5000` as a user runs it."""
    out = subprocess.run(
        [sys.executable, "-m", "gis", "stats", "--width-km", "50", "--max-towns", "5000"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    return json.loads(out)


def test_cli_lists_no_city_district_and_whole_town_figures(stats50):
    rows = pd.DataFrame(stats50["population"]["settlements"])
    assert len(rows) == stats50["population"]["settlements_count"] > 300
    near = (rows.km_min < 25).to_numpy()  # everything near the line is listed
    assert near.sum() > 300
    names = set(rows["name"])
    assert not names & set(DISTRICTS)
    by_place = rows.drop_duplicates("place").set_index("place")
    assert by_place.loc["Kherson", "population"] >= 250_000  # official 2022, not GeoNames' 66,000
    # issue 18: Kramatorsk's row gives the city's own figure, or its name says it is the urban hromada's
    k = by_place.loc["Kramatorsk"]
    assert 140_000 <= k.population <= 155_000 or k["name"] == "Kramatorsk urban hromada"
    labelled = rows[rows.figure == "urban hromada"]
    assert len(labelled) and labelled["name"].str.endswith(" urban hromada").all()
    assert not rows.loc[rows.figure != "urban hromada", "name"].str.contains("hromada").any()
    for col in ("share_inside", "people_inside", "km_min", "km_max"):
        assert col in rows
    assert ((rows.share_inside > 0) & (rows.share_inside <= 1)).all()
    known = rows.population.notna()
    assert np.allclose(rows.people_inside[known], rows.population[known] * rows.share_inside[known], rtol=0.01, atol=1)
    assert rows.groupby("name").size().max() <= 3  # a name repeats only for distinct villages far apart


def test_kryvyi_rih_districts_are_not_towns():
    s = layers.settlements()
    assert s[(s.iso == "UA-12") & s["name"].isin(["Inhulets", "Terny"])].empty  # districts of Kryvyi Rih


def test_no_settlement_sits_inside_a_larger_citys_extent_unless_it_is_a_hromada_centre():
    """The district rule on the shipped list: every place that is not a hromada centre lies
    outside 1.25 radii of every larger city or town (districts and parts of cities are gone)."""
    s = layers.settlements()
    x, y = crs.metric_xy(s.geometry.x, s.geometry.y)
    pop = s.population.fillna(-1).to_numpy()
    r = s.radius_km.to_numpy() * 1000
    tree = shapely.STRtree(shapely.points(x, y))
    for i in np.flatnonzero(r > 0):
        for j in tree.query(
            shapely.Point(x[i], y[i]).buffer(settlements.DISTRICT_RADII * r[i] - 1), predicate="intersects"
        ):
            if j != i and pop[j] < pop[i]:
                assert s.hromada_centre.iat[j], f"{s.name.iat[j]} lies inside {s.name.iat[i]}"


def test_hromada_centres_carry_the_official_urban_population():
    s = layers.settlements().set_index("name")
    towns = s[s.kind == "city or town"]
    assert (towns.pop_source.str.startswith("State Statistics 2022") | towns.pop_source.str.startswith("OCHA")).all()
    assert s.loc["Kharkiv", "population"] == 1_421_125
    assert s.loc["Kyiv", "population"] > 2.9e6  # OCHA 2022 city total
    assert not (s.population == 0).any()  # unknown is NaN, never 0


def test_official_transliteration_and_no_russian_era_spelling():
    s = layers.settlements()
    names = set(s["name"])
    assert {
        "Kyiv",
        "Zaporizhzhia",
        "Mykolaiv",
        "Kryvyi Rih",
        "Makiivka",
        "Sievierodonetsk",
        "Sloviansk",
        "Kostiantynivka",
    } <= names
    assert not names & set(RUSSIAN_ERA)
    assert s.set_index("name").loc["Sloviansk", "alias"] == "Slovyansk"  # GeoNames' name kept as alias
    infra = layers.infrastructure()
    assert not any(word in n for n in infra["name"] for word in ("Zaporozhye", "Chernobyl", "Khmelnitski"))
    assert settlements.official_name("Слов’янськ") == "Sloviansk"
    assert settlements.official_name("Кривий Ріг") == "Kryvyi Rih"


def test_renamed_towns_carry_their_current_name_and_the_2022_figure():
    """KSE's 2022 table predates the 2022-2024 renamings; GeoNames follows them. A hromada centre whose GeoNames
    name is another name (not another spelling) takes the Ukrainian alternate name GeoNames' name spells, keeps
    the official 2022 population and shows its former name as the alias."""
    s = layers.settlements().set_index("name")
    for now, former in [("Samar", "Novomoskovsk"), ("Zviahel", "Novohrad-Volynskyi"), ("Sheptytskyi", "Chervonohrad")]:
        assert s.loc[now, "alias"] == former
        assert s.loc[now, "pop_source"].startswith("State Statistics 2022")
        assert former not in s.index
    assert s.loc["Samar", "name_uk"] == "Самар"
    # another spelling is not a renaming
    assert settlements.current_name_uk("Слов'янськ", ["Славянск", "Слов'янськ"], "Slovyansk") == "Слов'янськ"
    assert settlements.current_name_uk("Новомосковськ", ["Новомосковськ", "Самар"], "Samar") == "Самар"


def test_population_curve_has_no_jumps():
    """No 1 km step between 5 and 50 km adds more than 7 % of the 25 km figure (cities have extent)."""
    out = subprocess.run(
        [sys.executable, "-m", "gis", "population-curve", "--split", "0.5"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    curve = pd.DataFrame(json.loads(out)["curve"]).set_index("width_km")["estimate"]
    steps = curve.diff().loc[6:50]
    assert (steps >= 0).all()
    assert steps.max() <= 0.07 * curve[25]


def test_scale_factors_stay_near_one_where_a_50km_zone_reaches(pop_index):
    """No double counting: in every oblast a 50 km zone touches, each method's per-oblast
    scale factor (OCHA 2022 total / units before scaling) lies within 0.8-1.25."""
    touched = {iso for iso, people in pop_index.estimate(25, 25).by_oblast.items() if people >= 1}
    assert {"UA-14", "UA-23", "UA-65", "UA-63"} <= touched
    f = pd.read_csv(layers.GEODATA_DIR / "population_scale_factors.csv")
    f = f[f.iso.isin(touched)]
    assert set(f.method) == set(METHODS)
    assert f.factor.between(0.8, 1.25).all(), f[~f.factor.between(0.8, 1.25)]


def test_towns_table_distance_range_brackets_the_centre(front, pop_index):
    towns = pop_index.towns(12.5, 12.5)
    known = towns.km_min.notna()
    assert (towns.km_min[known] <= towns.km_to_line[known]).all() and (
        towns.km_to_line[known] <= towns.km_max[known]
    ).all()
    # a town partly inside reaches beyond the zone edge, one wholly inside does not
    partly = towns[(towns.share_inside < 1) & (towns.side == "ukraine_controlled")]
    assert len(partly) and (partly.km_max > 12.5).all() and (partly.km_min <= 12.5).all()


def test_main_towns_near_the_line_are_the_big_cities(front, pop_index):
    near = stats.towns_near_line(front, pop_index)
    assert list(near["place"][:3]) == ["Kharkiv", "Zaporizhzhia", "Kherson"]
    assert (near.side == "ukraine_controlled").all() and (near.km_to_line <= 50).all()
    zone = zones.make_zone(front, 25, 0.5)
    figures = present.zone_figures(front, zone, stats.analyse(front, zone, pop_index), "test zone")
    sentence = present.summary_sentence(figures, near)
    # the sentence says which figure it shows: Kherson's is its urban hromada's (GeoNames' 66,000 is stale)
    assert "Kharkiv" in sentence and "Saltivka" not in sentence and "Kherson urban hromada (305,239 people" in sentence


def test_extent_points_spread_evenly_and_respect_the_clip():
    pts, w = settlements.extent_points(0.0, 0.0, 5000.0)
    assert tuple(pts[0]) == (0.0, 0.0) and w.sum() == pytest.approx(1.0)
    assert np.hypot(*pts.T).max() <= 5000.0 and len(pts) > 50
    half = shapely.box(-10_000, -10_000, 0.5, 10_000)
    pts_c, w_c = settlements.extent_points(0.0, 0.0, 5000.0, clip=half)
    assert (pts_c[:, 0] <= 0.5).all() and len(pts) / 2 <= len(pts_c) < len(pts) and w_c.sum() == pytest.approx(1.0)
    wide, _ = settlements.extent_points(0.0, 0.0, 5000.0, profile="wide")
    assert np.hypot(*wide.T).max() > 6000.0  # the wide profile covers more ground


def test_a_towns_own_figure_is_checked_against_the_official_hromada_total():
    """Own figures (issue 18): never above the hromada's official urban total; equal to it where the hromada
    is the one settlement; otherwise GeoNames' lower figure only where the hromada's other listed places
    hold the rest; every other city or town row says it shows the urban hromada's total."""
    s = layers.settlements()
    towns = s[s.kind == "city or town"]
    own = towns[towns.figure == settlements.OWN_FIGURE]
    assert (own.own_population <= own.population * (1 + settlements.SAME_FIGURE)).all()
    hrom = layers.hromadas().set_index("hromada_code")
    alone = own[own.hromada_code.map(hrom.n_settlements) == 1]
    assert len(alone) >= 15 and (alone.own_population == alone.population).all()
    hromada_rows = towns[towns.figure == settlements.URBAN_HROMADA]
    assert hromada_rows.own_population.isna().all()
    assert (hromada_rows.label == hromada_rows.name + " urban hromada").all()
    largest = s.drop_duplicates("name").set_index("name")  # sorted by population: the town, not a village
    assert largest.loc["Kherson", "label"] == "Kherson urban hromada"  # GeoNames' 66,000 is not its figure
    assert largest.loc["Nikopol", "own_population"] == largest.loc["Nikopol", "population"]  # one settlement
