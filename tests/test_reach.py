"""What a zone buys: who stays within reach of each weapon class after the pull-back, from the zone's far edge
and from the state border (gis/reach.py, python -m gis reach)."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from gis import GisError, crs, frontline, layers, present, reach, zones

ROOT = Path(__file__).resolve().parents[1]
UA, OCC = "ukraine_controlled", "occupied"


@pytest.fixture(scope="module")
def rindex(front, pop_index):
    return reach.ReachIndex(front, pop_index)


def _report(rindex, front, width_km, weapons, options=None, max_towns=5000) -> dict:
    """What ``python -m gis reach`` prints, in-process (the same functions)."""
    options = options or reach.ReachOptions()
    zone = zones.make_zone(front, width_km, 0.5)
    results = [reach.weapon_reach(rindex, zone, w, options) for w in weapons]
    return present.reach_report(zone, None, options, results, max_towns)


def _names(side: dict, key: str) -> set[str]:
    return {t["name"] for t in side[key]}


def test_cli_reach_nikopol_leaves_artillery_reach_between_30_and_50_km(tmp_path):
    """Nikopol, 2.5-9.6 km from the line across the drained Kakhovka reservoir: within artillery reach today
    and after a 15 + 15 km pull-back, out of it after 25 + 25 km."""

    def run(width: int) -> dict:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "gis",
                "reach",
                "--width-km",
                str(width),
                "--weapon",
                "artillery",
                "--max-towns",
                "5000",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    at30, at50 = run(30), run(50)
    w30, w50 = at30["weapons"][0], at50["weapons"][0]
    assert w30["weapon"] == "artillery" and w30["reach_km"] == 25 and "order of magnitude" in w30["reach_is"]
    assert {
        "people_today",
        "people_after",
        "people_low",
        "people_high",
        "towns_today",
        "towns_after",
        "infrastructure_after",
    } <= set(w30[UA])
    assert "Nikopol" in _names(w30[UA], "towns_today") and "Nikopol" in _names(w30[UA], "towns_after")
    assert "Nikopol" in _names(w50[UA], "towns_today") and "Nikopol" not in _names(w50[UA], "towns_after")
    nikopol = next(t for t in w30[UA]["towns_after"] if t["name"] == "Nikopol")
    assert 15 < nikopol["km_from_positions"] <= 25 and nikopol["people"] > 100_000
    side = w30[UA]
    assert side["people_low"] <= side["people_after"] <= side["people_high"] <= side["people_today_high"]


def test_sumy_stays_within_reach_from_the_border_unless_russia_pulls_back_there_too(rindex, front):
    """Sumy is about 22-29 km from Russia: with 25 + 25 km along the front a 40 km weapon still reaches it from
    the border; with the pull-back applied along the border too, it does not."""
    forty = [reach.any_weapon(40)]
    stays = _report(rindex, front, 50, forty)["weapons"][0][UA]
    assert "Sumy" in _names(stays, "towns_after")
    sumy = next(t for t in stays["towns_after"] if t["name"] == "Sumy")
    assert 15 < sumy["km_from_positions"] < 30  # from the border, not from the front (16.8 + 25 km)
    pulled = _report(rindex, front, 50, forty, reach.ReachOptions(border_pullback=True))["weapons"][0][UA]
    assert "Sumy" not in _names(pulled, "towns_after") and "Sumy" in _names(pulled, "towns_today")
    assert pulled["people_after"] < stays["people_after"]


def test_horlivka_leaves_ukrainian_reach_after_a_wide_pull_back(rindex, front):
    side = _report(rindex, front, 50, [reach.any_weapon(40)])["weapons"][0][OCC]
    assert "Horlivka" in _names(side, "towns_today") and "Horlivka" not in _names(side, "towns_after")


@pytest.mark.parametrize("options", [reach.ReachOptions(), reach.ReachOptions(border_pullback=True, belarus=True)])
def test_people_after_never_exceed_today_nor_grow_with_the_width(rindex, front, options):
    for weapon in reach.DEFAULT_WEAPONS:
        last = {UA: np.inf, OCC: np.inf}
        for width in (5, 10, 25, 50):
            r = reach.weapon_reach(rindex, zones.make_zone(front, width, 0.5), weapon, options, lists=False)
            for side in (UA, OCC):
                after, today = r.after[side].people, r.today[side].people
                assert after.estimate <= today.estimate + 1e-6, (weapon.key, width, side)
                assert after.low <= after.estimate <= after.high
                assert after.estimate <= last[side] + 1e-6, (weapon.key, width, side)
                last[side] = after.estimate


def test_belarus_border_adds_people_within_reach_in_the_north(rindex, front):
    drones = reach.WEAPONS["drones"]
    zone = zones.make_zone(front, 25, 0.5)
    without = reach.weapon_reach(rindex, zone, drones, reach.ReachOptions(), lists=True).today[UA]
    with_by = reach.weapon_reach(rindex, zone, drones, reach.ReachOptions(belarus=True), lists=True).today[UA]
    assert with_by.people.estimate > without.people.estimate
    new = with_by.towns[~with_by.towns["name"].isin(without.towns["name"])]
    # the towns it adds lie in the oblasts along Belarus: Volyn, Rivne, Zhytomyr, Kyiv, Chernihiv
    assert len(new) and set(new["iso"]) <= {"UA-07", "UA-56", "UA-18", "UA-32", "UA-74"}


def test_minsk_lines_keep_artillery_out_of_reach_whatever_the_zone(rindex, front):
    """Minsk II: artillery of 100 mm and more 25 km back on each side; its 25 km reach then covers nobody
    across the line (but still from the border, where the option leaves Russian guns)."""
    art = reach.WEAPONS["artillery"]
    for width in (5, 25):
        r = reach.weapon_reach(
            rindex, zones.make_zone(front, width, 0.5), art, reach.ReachOptions(minsk=True, border_pullback=True)
        )
        assert r.after_backs.ru_km == r.after_backs.ua_km == 25.0
        assert r.after[OCC].people.estimate < 1 and r.after[UA].people.estimate < 1
        plain = reach.weapon_reach(rindex, zones.make_zone(front, width, 0.5), art, reach.ReachOptions())
        assert plain.after[UA].people.estimate > 100_000


def test_the_curve_is_the_direct_computation(rindex, front):
    weapons = reach.DEFAULT_WEAPONS
    curve = reach.reach_curve(rindex, weapons, reach.ReachOptions(), 0.3, widths_km=(7.5, 20.0))
    for width in (7.5, 20.0):
        zone = zones.make_zone(front, width, 0.3)
        for w in weapons:
            r = reach.weapon_reach(rindex, zone, w, reach.ReachOptions(), lists=False)
            for side in (UA, OCC):
                assert curve.loc[width, reach.curve_column(w.key, side)] == pytest.approx(r.after[side].people.estimate)
        assert curve.loc[width, "in_zone"] == pytest.approx(rindex.index.estimate(0.3 * width, 0.7 * width).estimate)


def test_borders_are_ukraines_own_land_borders():
    """Russia 1,944 km and Belarus 1,111 km by the CIA World Factbook: ours (Ukraine's outline where it meets
    each country's mainland) within 5 %; no part on Crimea's coast or the Kerch Strait (south of 46.5 N)."""
    b = layers.borders().set_index("iso3")
    assert b.loc["RUS", "length_km"] == pytest.approx(1944, rel=0.05)
    assert b.loc["BLR", "length_km"] == pytest.approx(1111, rel=0.05)
    rus = shapely.get_coordinates(b.loc["RUS", "geometry"])
    assert rus[:, 1].min() > 46.5 and rus[:, 0].max() > 39.5  # down to the Sea of Azov, east to Luhansk
    for iso, line in layers.borders_metric().items():  # on Ukraine's outline, never inside or outside it
        assert shapely.distance(line, layers.ukraine_metric().boundary) < 1.0, iso
    assert float(crs.length_km(layers.borders_metric()["RUS"])) == pytest.approx(b.loc["RUS", "length_km"], rel=0.01)


def test_reach_band_lies_on_each_side_and_reaches_as_far_as_the_weapon(front):
    art = reach.any_weapon(40)
    zone = zones.make_zone(front, 20, 0.5)
    band = reach.reach_band(front, art, reach.backs_after(zone, art, reach.ReachOptions()), reach.ReachOptions())
    assert shapely.area(shapely.difference(band[UA], front.sides.controlled.buffer(1))) < 1e3  # m²
    assert shapely.area(shapely.difference(band[OCC], front.sides.occupied_side.buffer(1))) < 1e3
    sumy = crs.to_metric(layers.settlements().set_index("name").geometry.loc["Sumy"])
    assert band[UA].contains(sumy)  # from the border: 40 km
    dnipro = crs.to_metric(layers.settlements().set_index("name").geometry.loc["Dnipro"])  # ~80 km from the line
    assert not band[UA].contains(dnipro) and shapely.distance(dnipro, front.frontline) > 40_000


def test_bad_reach_inputs_are_clear_errors(front, pop_index):
    with pytest.raises(GisError, match="between 1 and 150 km"):
        reach.any_weapon(0)
    with pytest.raises(GisError, match="Unknown weapon"):
        reach.get_weapon("laser")
    with pytest.raises(GisError, match="uploaded polygon"):
        reach.backs_after(
            zones.custom_zone(front, zones.make_zone(front, 10, 0.5).controlled),
            reach.WEAPONS["grad"],
            reach.ReachOptions(),
        )
    moved = shapely.transform(shapely.get_parts(front.frontline)[0], lambda xy: xy + np.array([4000.0, 0.0]))
    with pytest.raises(GisError, match="another frontline"):
        reach.ReachIndex(frontline.custom_front(front, moved), pop_index)


def test_explorer_and_compare_show_what_the_zone_buys():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    assert not at.exception
    assert "Within reach after the pull-back" in [s.value for s in at.subheader]
    table = next(df.value for df in at.dataframe if "weapon class" in df.value.columns)
    assert list(table["weapon class"]) == [w.label for w in reach.DEFAULT_WEAPONS] + ["Any weapon of 40 km"]
    assert (table["UA side after"] <= table["UA side today"]).all() and (table["UA side out of reach"] > 0).all()
    at.number_input(key="reach_artillery").set_value(30.0).run()  # a reader's own figure for artillery
    edited = next(df.value for df in at.dataframe if "weapon class" in df.value.columns)
    row = edited.set_index("weapon class").loc[reach.WEAPONS["artillery"].label]
    assert (
        row["reach (km)"] == 30
        and row["UA side today"] > table.set_index("weapon class").loc[row.name, "UA side today"]
    )

    at.switch_page("pages/1_Compare_proposals.py")  # page links need the real entry point
    cmp = at.run()
    assert not cmp.exception
    table = cmp.table[0].value
    rows = table.set_index("figure")
    artillery = next(lab for lab in rows.index if lab.startswith("within Russian tube artillery"))
    b_minus_a = rows.loc[artillery].iloc[-1]  # the B − A column: the wider zone leaves fewer within reach
    assert b_minus_a.startswith("−") or b_minus_a.startswith("-"), b_minus_a


def test_brief_text_has_the_reach_table(front, pop_index, rindex):
    import pypdfium2 as pdfium

    from gis import brief

    item = brief.proposal_zone(front, "ukrainian", pop_index)
    within = tuple(reach.weapon_reach(rindex, item.zone, w, lists=False) for w in reach.DEFAULT_WEAPONS)
    doc = pdfium.PdfDocument(brief.brief_pdf(front, [brief.BriefZone(item.label, item.zone, item.analysis, within)]))
    text = " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))
    assert "What the zone buys" in text and "…" not in text.split("What the zone buys")[1][:1500]
    for w in within:
        assert w.weapon.label in text
        assert f"{round(w.after[UA].people.estimate, -2):,.0f}" in text
