"""The frontline on every shipped date (issue 12): no front behind the lines, no rings, right lengths."""

import json
import subprocess
import sys

import pytest
import shapely

from gis import crs, layers
from gis.frontline import audit_line, derive_sides

ROOT = layers.GEODATA_DIR.parent


@pytest.fixture(scope="module")
def audits() -> dict:
    """The line audit recomputed from the shipped occupied area and line fill, for every date."""
    out = {}
    for date in layers.dates():
        row = layers.occupied(date).iloc[0]
        sides = derive_sides(crs.to_metric(row.geometry), layers.ukraine_metric(), fill=crs.to_metric(row["line_fill"]))
        out[date] = audit_line(sides)
    return out


def _stats(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "gis", "stats", *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(out.stdout)


def test_no_date_draws_a_front_with_occupied_land_on_both_sides(audits):
    """Gaps and water under 1 km behind the lines never count as front (the old derivation
    had 1.3-4.5 % of its line there on every date)."""
    bad = {d: a.both_sides_occupied_pct for d, a in audits.items() if a.both_sides_occupied_pct > 0.5}
    assert not bad


def test_no_date_has_a_length_spike(audits):
    """A month's line is never more than 5 % longer than both neighbours' (delta islands drawn as
    rings made 2023-06-02 1,075 km between 1,021 and 1,015 km)."""
    dates = sorted(audits)
    for prev, d, nxt in zip(dates, dates[1:], dates[2:], strict=False):  # successive triples
        assert audits[d].length_km <= 1.05 * max(audits[prev].length_km, audits[nxt].length_km), d


def test_every_date_is_one_main_line_plus_short_pieces(audits):
    for d, a in audits.items():
        assert a.pieces <= 25, d
        assert 800 < a.length_km < 2_500, d


def test_shipped_lines_match_the_audit(audits):
    shipped = layers.shipped_frontlines().set_index("date")
    for d, a in audits.items():
        assert shipped.loc[d, "length_km"] == pytest.approx(a.length_km, abs=0.2)
        assert shipped.loc[d, "length_km_before"] >= a.length_km  # the fill only removes fake front


@pytest.mark.parametrize("date, max_km", [("2022-04-03", 2_500), ("2023-06-02", 1_040), ("2026-08-22", 1_310)])
def test_cli_frontline_lengths(date, max_km):
    assert _stats("--width-km", "25", "--date", date)["frontline_km"] <= max_km


@pytest.mark.parametrize("date", ["2022-08-01", "2022-10-01"])
def test_occupied_kherson_is_far_from_the_2022_line(date):
    """The front was on the Inhulets, 15+ km away, not on the Dnipro banks behind Russian lines."""
    rows = _stats("--width-km", "50", "--date", date, "--max-towns", "5000")["population"]["settlements"]
    kherson = next(r for r in rows if r["place"] == "Kherson")
    assert kherson["side"] == "occupied" and kherson["km_to_line"] >= 8


def test_avdiivka_lowers_the_25km_zone_but_not_by_a_third():
    h = layers.history().set_index("date")
    before, after = h.loc["2024-02-01", "pop_25km"], h.loc["2024-03-01", "pop_25km"]
    assert after < before and after >= 0.75 * before


def test_real_footholds_and_enclaves_stay():
    """The Russian-held footholds in Sumy and Kharkiv oblasts end at the state border: the line
    there has pieces that start or end near the border, and they survive the gap filling."""
    f = layers.front(layers.DATA_DATE)
    obl = layers.oblasts().set_index("iso")
    border = shapely.buffer(shapely.boundary(f.ukraine), 1500)
    for iso in ("UA-59", "UA-63"):  # Sumy, Kharkiv
        area = crs.to_metric(obl.loc[iso, "geometry"])
        pieces = [p for p in shapely.get_parts(f.frontline) if p.intersects(area) and p.intersects(border)]
        assert pieces, iso
