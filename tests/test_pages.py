"""The pages under streamlit.testing.v1.AppTest: widgets change numbers, URL state, uploads."""

import re
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "bad_inputs"
sys.path.insert(0, str(CORPUS))
from cases import ERRORS, HOSTILE_ACCEPTED, HOSTILE_ERRORS


def _app(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def _number(text: str) -> float:
    """'26,622 km²' -> 26622; '1.48 M' -> 1_480_000."""
    m = re.search(r"([\d,.]+)\s*(M)?", text)
    value = float(m.group(1).replace(",", ""))
    return value * 1e6 if m.group(2) else value


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _shown(md: str) -> str:
    """The text a Markdown source shows: backslash escapes and zero-width spaces removed."""
    return re.sub(r"\\(.)", r"\1", md).replace("\u200b", "")


def _is_plain(md: str) -> bool:
    """True if a Markdown source can render no link, image or formatting: every ASCII punctuation mark is escaped."""
    return not re.search(r"(?<!\\)[\[\]()!*_`#<>|~$:]", md.replace("\\\\", ""))


def test_explorer_runs_and_shows_numbers():
    at = _app()
    assert not at.exception
    m = _metrics(at)
    assert m["Pull-back (km)"] == "12.5 + 12.5"  # default 25 km, 50 %
    assert 20_000 < _number(m["Zone area"]) < 35_000
    assert "%" in m["Occupied"]
    assert any("pre-war" in c.value for c in at.caption)
    assert any("Zaporizhzhia NPP" in w.value for w in at.warning)


def test_wider_zone_never_has_fewer_people_or_less_area():
    at = _app()
    last_area, last_people = 0, 0
    for w in (2, 5, 10, 25, 40):
        at.slider(key="width").set_value(float(w)).run()
        assert not at.exception
        m = _metrics(at)
        area, people = _number(m["Zone area"]), _number(m["People inside (estimate)"])
        assert area > last_area and people >= last_people
        last_area, last_people = area, people


def test_preset_sets_width_and_split_and_url():
    at = _app()
    at.selectbox(key="proposal").set_value("kellogg").run()
    assert at.slider(key="width").value == 30 and at.slider(key="split").value == 50
    assert _metrics(at)["Pull-back (km)"] == "15 + 15"
    assert at.query_params["proposal"] == ["kellogg"] or at.query_params["proposal"] == "kellogg"
    at.slider(key="width").set_value(12.0).run()  # moving the slider leaves the preset
    assert at.selectbox(key="proposal").value == "custom"


def test_split_changes_sides():
    at = _app()
    at.slider(key="split").set_value(100).run()
    assert _metrics(at)["Pull-back (km)"] == "25 + 0"


def test_url_parameters_are_honoured():
    at = _app(width="12", split="30", date="2025-01-02")
    assert not at.exception
    assert all("URL" not in w for w in at.warning.values)  # no URL notice: every parameter was valid
    assert at.slider(key="width").value == 12 and at.slider(key="split").value == 30
    assert at.selectbox(key="date").value == "2025-01-02"
    assert _metrics(at)["Pull-back (km)"] == "3.6 + 8.4"


@pytest.mark.parametrize(
    "params",
    [
        {"width": "-4"},
        {"width": "nan"},
        {"width": "1e9"},
        {"split": "150"},
        {"date": "1999-01-01"},
        {"proposal": "<script>alert(1)</script>"},
        {"width": "abc", "date": "'; DROP TABLE"},
    ],
)
def test_bad_url_parameters_fall_back_with_notice(params):
    at = _app(**params)
    assert not at.exception
    assert any("URL parameter" in w.value for w in at.warning)
    assert at.slider(key="width").value == 25 or "width" not in params
    assert all("<script>" not in md.value for md in at.markdown)


@pytest.mark.parametrize(
    "name",
    [
        "malformed.geojson",
        "outside_ukraine.geojson",
        "shapefile.zip",
        "latlon_swapped.geojson",
        "empty_collection.geojson",
        "projected_metres_no_crs.geojson",
        "latin1_text.geojson",
    ],
)
def test_bad_upload_shows_error_and_page_keeps_working(name):
    at = _app()
    at.radio(key="upload_kind").set_value("a custom zone (Polygon)").run()
    at.file_uploader(key="upload").upload(name, (CORPUS / name).read_bytes(), "application/geo+json").run()
    assert not at.exception
    errors = [_shown(e.value) for e in at.error]
    assert errors and ERRORS[name][1] in errors[0]
    assert _metrics(at)["Pull-back (km)"] == "12.5 + 12.5"  # the standard zone is still shown
    at.slider(key="width").set_value(10.0).run()  # and the page still reacts
    assert not at.exception and _metrics(at)["Pull-back (km)"] == "5 + 5"


def test_valid_uploads_are_analysed():
    at = _app()
    at.radio(key="upload_kind").set_value("a custom zone (Polygon)").run()
    at.file_uploader(key="upload").upload(
        "zone.geojson", (CORPUS / "valid_zone.geojson").read_bytes(), "application/geo+json"
    ).run()
    assert not at.exception and not at.error
    assert _metrics(at)["Zone"] == "uploaded polygon"
    assert 1_000 < _number(_metrics(at)["Zone area"]) < 3_500
    at.radio(key="upload_kind").set_value("a custom frontline (LineString)").run()
    at.file_uploader(key="upload").upload(
        "line.geojson", (CORPUS / "valid_line.geojson").read_bytes(), "application/geo+json"
    ).run()
    assert not at.exception and not at.error
    assert _number(_metrics(at)["Zone area"]) < 5_000  # 25 km along a ~130 km line, not the whole front


def test_method_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/4_Data_and_method.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for word in ("DeepStateMap", "EPSG:3035", "pre-war", "Korean DMZ", "Minsk", "not official texts", "2026-08-22"):
        assert word in text


def _page(path: str) -> AppTest:
    """Open the app, then switch to a page (page links need the real entry point)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(path)
    return at.run()


def test_compare_page_ua_zone_larger_than_ru():
    at = _page("pages/1_Compare_proposals.py")
    assert not at.exception
    table = at.table[0].value.set_index("figure")  # a static table (wraps on narrow screens instead of being cut)
    ru, ua, diff = table.columns
    assert diff == "B − A"
    area = lambda col: float(table.loc["area, total (km²)", col].replace(",", ""))  # noqa: E731
    people = lambda col: float(table.loc["people (estimate)", col].replace(",", ""))  # noqa: E731
    assert area(ua) > 3 * area(ru) and people(ua) > people(ru)
    # issue 18: at its reactors the ZNPP is 2.4 km from the line, so the 5 km (2.5 + 2.5) zone holds it too
    assert table.loc["Zaporizhzhia NPP inside", ua] == "yes" and table.loc["Zaporizhzhia NPP inside", ru] == "yes"
    sentences = [m.value for m in at.markdown if m.value.startswith(("**A.**", "**B.**"))]
    assert len(sentences) == 2 and "12.5 km back" in sentences[1] and "Zaporizhzhia NPP" in sentences[1]
    at.selectbox(key="cmp_A").set_value("korea").run()
    assert "2 km back" in next(m.value for m in at.markdown if m.value.startswith("**A.**"))
    at.selectbox(key="cmp_B").set_value("custom").run()
    at.slider(key="cmp_B_w").set_value(40.0).run()
    assert not at.exception and at.table[0].value.set_index("figure").loc["width (km)"].tolist()[1] == "40"


def test_compare_subtracts_for_the_reader():
    """Issue 22: B − A for people, settlements, area and each kind of infrastructure, computed from the figures
    as written; one number format per row; no 'x – x' range in the table or the sentences."""
    at = _page("pages/1_Compare_proposals.py")
    table = at.table[0].value.set_index("figure")
    a, b, diff = table.columns
    number = lambda t: float(t.replace(",", "").replace("\u2212", "-").split()[0])  # noqa: E731
    rows = ["people (estimate)", "settlements inside", "area, total (km²)", "area, occupied side (km²)"]
    rows += [r for r in table.index if r.endswith("plants inside") or r in ("airports inside", "air bases inside")]
    assert {"nuclear plants inside", "airports inside", "air bases inside"} <= set(rows)
    for row in rows:
        assert number(table.loc[row, b]) - number(table.loc[row, a]) == number(table.loc[row, diff]), row
    assert table.loc["people (estimate)", diff].startswith("+") and table.loc["settlements inside", diff] != ""
    for row in table.index:  # one format per row: millions for both or for neither
        assert ("million" in table.loc[row, a]) == ("million" in table.loc[row, b]) or "(both" in table.loc[row, b]
    text = " ".join([*table[a], *table[b], *(m.value for m in at.markdown)])
    assert not re.search(r"(\b[\d.,]+) ?– ?\1\b", text), text  # no 'x – x' range
    assert "thousand" not in text


def test_monitoring_own_posts_mode_shows_nothing_automatic_and_spacing_follows_the_sensor():
    at = _page("pages/2_Monitoring.py")
    assert at.slider(key="spacing").value == 8.0  # camera, 4 km range: posts 8 km apart watch the whole line
    assert any("Posts for the whole line" in c.value and "every kilometre" in c.value for c in at.caption)
    at.selectbox(key="sensor").set_value("radar_people").run()
    assert at.slider(key="spacing").value == 24.0  # ground radar, 12 km range
    m = _metrics(at)
    assert int(m["Posts"].replace(",", "")) <= int(m["Posts for the whole line"].replace(",", "")) + 5
    at.radio(key="post_mode").set_value("my own posts (click the map or upload)").run()
    assert not at.exception
    assert "Posts" not in _metrics(at) and "Zone watched" not in _metrics(at)  # no automatic layout shown
    assert any("No post placed yet" in _shown(i.value) for i in at.info)


def test_monitoring_coverage_falls_as_spacing_grows():
    at = _page("pages/2_Monitoring.py")
    assert not at.exception
    values = []
    for spacing in (6.0, 12.0, 30.0):
        at.slider(key="spacing").set_value(spacing).run()
        m = _metrics(at)
        values.append(
            (
                float(m["Zone watched"].rstrip(" %")),
                float(m["Line watched"].rstrip(" %")),
                int(m["Posts"].replace(",", "")),
            )
        )
    assert values[0][0] > values[1][0] > values[2][0]
    assert values[0][1] == 100.0 > values[2][1]
    assert values[0][2] > values[1][2] > values[2][2]


def test_monitoring_user_posts_upload_and_validation():
    at = _page("pages/2_Monitoring.py")
    at.radio(key="post_mode").set_value("my own posts (click the map or upload)").run()
    assert not at.exception
    at.file_uploader(key="posts_upload").upload(
        "bad.geojson", (CORPUS / "points_outside_ukraine.geojson").read_bytes(), "application/geo+json"
    ).run()
    assert any("outside Ukraine" in e.value for e in at.error) and not at.exception
    pts = (
        b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},'
        b'"geometry":{"type":"MultiPoint","coordinates":[[37.5,48.5],[35.1,47.6]]}}]}'
    )
    at.file_uploader(key="posts_upload").upload("posts.geojson", pts, "application/geo+json").run()
    assert not at.exception and _metrics(at)["Posts"] == "2"


def test_history_page_one_row_per_snapshot():
    at = _page("pages/3_History.py")
    assert not at.exception
    table = at.dataframe[0].value
    from gis import layers

    assert len(table) == len(layers.dates()) == 54
    t = table.set_index("date")
    assert abs(t.loc["2022-04-03", "occupied km²"] - t.loc["2026-08-22", "occupied km²"]) > 5_000
    import datetime

    at.date_input(key="hist_day").set_value(datetime.date(2022, 12, 28)).run()  # snaps to the nearest snapshot
    assert not at.exception and _metrics(at)["Occupied"] != "19.3 %"
    assert any("Snapshot shown: 2023-01-01" in m.value for m in at.markdown)
    assert any("2022-04-03" in c.value and "partial" in c.value for c in at.caption)  # the partial first snapshot


# ----------------------------------------------------------------------------- hostile input


HOSTILE_URL = {"date": "[Log in again](https://ev.il)", "proposal": "![](https://ev.il/t.gif)"}


@pytest.mark.parametrize("path", ["app.py", "pages/1_Compare_proposals.py", "pages/2_Monitoring.py"])
def test_hostile_url_parameters_show_as_plain_text(path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in HOSTILE_URL.items():
        at.query_params[k] = v
    at.run()
    if path != "app.py":
        at.switch_page(path).run()
    assert not at.exception
    warnings = [w.value for w in at.warning if "URL parameter" in _shown(w.value)]
    assert len(warnings) == 2
    assert all(_is_plain(w) for w in warnings), warnings
    assert any("[Log in again](https://ev.il)" in _shown(w) for w in warnings)
    assert all("ev.il" not in m.value for m in at.markdown)


def _upload(at, name: str, data: bytes, kinds: tuple[str, ...]):
    kind = "a custom zone (Polygon)" if kinds == ("Polygon",) else "a custom frontline (LineString)"
    at.radio(key="upload_kind").set_value(kind).run()
    return at.file_uploader(key="upload").upload(name, data, "application/geo+json").run()


@pytest.mark.parametrize(
    "name",
    [
        "integer_5001_digits",
        "crs_properties_list",
        "crs_engineering_local_cs",
        "type_is_a_list",
        "self_crossing_polygon_1000",
        "comb_40000_vertices",
        "self_crossing_line_1000",
        "line_70m_in_3400km_out",
        "markdown_in_type",
    ],
)
def test_hostile_upload_gives_a_message_and_the_page_keeps_working(name):
    kinds, make, msg = HOSTILE_ERRORS[name]
    at = _upload(_app(), f"{name}.geojson", make(), kinds)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and msg in _shown(errors[0]) and _is_plain(errors[0])
    assert _metrics(at)["Pull-back (km)"] == "12.5 + 12.5"  # the standard zone is shown
    at.slider(key="width").set_value(10.0).run()
    assert not at.exception and _metrics(at)["Pull-back (km)"] == "5 + 5"


@pytest.mark.parametrize(
    "name,low,high", [("whole_world_zone", 590_000, 610_000), ("pole_to_pole_strip", 55_000, 61_000)]
)
def test_huge_zones_report_the_part_inside_ukraine(name, low, high):
    kinds, make, notice = HOSTILE_ACCEPTED[name]
    at = _upload(_app(), f"{name}.geojson", make(), kinds)
    assert not at.exception and not at.error
    assert low < _number(_metrics(at)["Zone area"]) < high
    assert any(notice in _shown(i.value) for i in at.info)


def test_file_name_shows_as_plain_text():
    at = _upload(
        _app(),
        "[Log in again](https://ev.il) **x**.geojson",
        (CORPUS / "valid_zone.geojson").read_bytes(),
        ("Polygon",),
    )
    assert not at.exception
    success = [s.value for s in at.success]
    assert len(success) == 1 and _is_plain(success[0]) and "[Log in again](https://ev.il) **x**" in _shown(success[0])


def test_unexpected_error_in_an_upload_is_a_message(monkeypatch):
    import ui.uploads

    def boom(data, kinds):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(ui.uploads, "read_geojson_bytes", boom)
    data = (CORPUS / "valid_zone.geojson").read_bytes() + b" " * 7  # new content: not in the parse cache
    at = _upload(_app(), "zone.geojson", data, ("Polygon",))
    assert not at.exception
    assert "unexpected RuntimeError" in _shown(at.error[0].value) and "internal detail" not in at.error[0].value
    assert _metrics(at)["Pull-back (km)"] == "12.5 + 12.5"


def test_monitoring_refuses_hostile_posts_and_keeps_the_users_posts():
    at = _page("pages/2_Monitoring.py")
    at.radio(key="post_mode").set_value("my own posts (click the map or upload)").run()
    pts = b'{"type":"MultiPoint","coordinates":[[37.5,48.5],[35.1,47.6]]}'
    at.file_uploader(key="posts_upload").upload("posts.geojson", pts, "application/geo+json").run()
    assert _metrics(at)["Posts"] == "2"
    for name in ("posts_1_in_999_out", "posts_6000"):
        _kinds, make, msg = HOSTILE_ERRORS[name]
        at.file_uploader(key="posts_upload").upload(f"{name}.geojson", make(), "application/geo+json").run()
        assert not at.exception
        assert any(msg in _shown(e.value) for e in at.error)
        assert _metrics(at)["Posts"] == "2"  # nothing the user made is lost
    assert any("2 post(s) placed" in c.value for c in at.caption)


def test_app_survives_broken_user_snapshots(tmp_path, monkeypatch):
    from test_cli import _write_user_snapshots

    monkeypatch.setenv("FFE_USER_DATA", str(tmp_path / "broken"))
    _write_user_snapshots(tmp_path / "broken")
    at = _app()
    assert not at.exception
    skipped = [w.value for w in at.sidebar.warning if "Skipped user snapshot" in _shown(w.value)]
    assert len(skipped) == 4
    assert at.selectbox(key="date").value == "2026-08-22"
    at.switch_page("pages/1_Compare_proposals.py").run()
    assert not at.exception


def test_line_refused_after_parsing_gives_a_message():
    """A line the parser accepts but the custom front refuses (736,000 km inside Ukraine): a message, cached."""
    import hostile

    at = _upload(_app(), "zigzag.geojson", hostile.zigzag_line(1_000), ("LineString",))
    assert not at.exception
    assert "the limit is 10,000 km" in _shown(at.error[0].value)
    at.slider(key="width").set_value(10.0).run()
    assert not at.exception and _metrics(at)["Pull-back (km)"] == "5 + 5" and "10,000 km" in _shown(at.error[0].value)


@pytest.fixture
def downloads(monkeypatch):
    """What each download button would send when clicked: file_id -> (file name, bytes). The page's own
    callables are run, as Streamlit runs them on a click."""
    import io

    from streamlit.runtime.media_file_manager import MediaFileManager

    files: dict[str, tuple[str, bytes]] = {}
    real = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        file_id = real(self, data_callable, mimetype, coordinates, file_name, **kw)
        files[file_id] = (file_name, data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def click(at, key: str) -> tuple[str, bytes]:
        button = next(b for b in at.get("download_button") if b.key == key)
        name, make = files[button.proto.deferred_file_id]
        return name, make()

    click.io = io
    return click


def test_explorer_csv_downloads_hold_the_figures_on_the_page(downloads):
    """The settlements CSV lists the towns the page counts, the summary CSV the page's zone and people."""
    import pandas as pd

    at = _app()
    at.slider(key="width").set_value(10.0).run()
    name, data = downloads(at, "dl_towns")
    assert name == "zone_10km_split50_2026-08-22_settlements.csv"
    towns = pd.read_csv(downloads.io.BytesIO(data))
    assert f"Settlements inside: {len(towns):,}" in [s.value for s in at.header]
    assert {"name", "population", "share_inside", "people_inside", "side", "km_min", "km_max"} <= set(towns.columns)
    assert towns["people_inside"].dropna().is_monotonic_decreasing  # most people inside first
    name, data = downloads(at, "dl_summary")
    summary = pd.read_csv(downloads.io.BytesIO(data)).iloc[0]
    assert name == "zone_10km_split50_2026-08-22_summary.csv" and summary["width_km"] == 10
    m = _metrics(at)
    assert f"{summary['zone_km2']:,.0f} km²" == m["Zone area"]
    assert summary["people_low"] <= summary["people_estimate"] <= summary["people_high"]
    assert summary["people_occupied"] + summary["people_ukraine_controlled"] == pytest.approx(
        summary["people_estimate"], abs=2
    )
    assert (
        abs(_number(m["People inside (estimate)"]) - summary["people_estimate"]) <= 0.005 * summary["people_estimate"]
    )
