"""The smaller findings of issue 20, each pinned by a test: a closed output pipe, '$' in a brief's file name,
positions written as objects, a second posts file with the same name and count, a forged map value.
(The long file name, nginx's headers and /_stcore/metrics are in test_upload_limits.py and test_deploy.py.)"""

import json
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from streamlit.testing.v1 import AppTest

from gis import GisError, brief, stats, zones
from gis.uploads import read_geojson_bytes
from ui import mapview

ROOT = Path(__file__).resolve().parents[1]


def test_cli_output_into_a_closed_pipe_is_not_an_error():
    """`python -m gis stats ... | head`: the reader goes away before the output is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gis", "stats", "--width-km", "10"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    proc.stdout.close()  # before the command has computed anything (it takes about a second)
    err = proc.stderr.read()
    assert proc.wait(120) == 141  # 128 + SIGPIPE, like any shell tool whose reader has gone
    assert err == "", err  # it used to print "unexpected BrokenPipeError ... please report it"


@pytest.mark.parametrize(
    "name", ["zone $x^{2}$ $\\frac{a}{b}$.geojson", "nested ${" + "{" * 300 + "}" * 300 + "}$.geojson", "$5 plan"]
)
def test_dollar_signs_in_a_brief_label_are_text_not_math(front, pop_index, name):
    zone = zones.make_zone(front, 10, 0.5)
    item = brief.BriefZone(f"Zone from {name}", zone, stats.analyse(front, zone, pop_index))
    pdf = pdfium.PdfDocument(brief.brief_pdf(front, [item]))  # ValueError / RecursionError before the fix
    text = pdf[1].get_textpage().get_text_range() + pdf[0].get_textpage().get_text_range()
    assert name[:12] in text.replace("\r", "").replace("\n", "")  # shown as written
    assert brief.map_png(front, [item])[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "coords",
    [
        [[37.5, 48.5], {"0": 37, "1": 48}],  # used to be read as (0, 1)
        [[37.5, 48.5], ["37", "48"]],
        [[37.5, 48.5], [True, 48]],
        [[37.5, 48.5], [37]],
    ],
)
def test_a_position_must_be_an_array_of_numbers(coords):
    data = json.dumps({"type": "MultiPoint", "coordinates": coords}).encode()
    with pytest.raises(GisError, match=r"Feature 1 has a malformed geometry: a position is .* not an array of numbers"):
        read_geojson_bytes(data, kinds=("Point",))


def _monitoring() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # page links need the entry point
    at.switch_page("pages/2_Monitoring.py")
    at.run()
    at.radio(key="post_mode").set_value("my own posts (click the map or upload)").run()
    assert not at.exception
    return at


def _posts(*points) -> bytes:
    return json.dumps({"type": "MultiPoint", "coordinates": [list(p) for p in points]}).encode()


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_second_posts_file_with_the_same_name_and_count_is_added():
    at = _monitoring()
    at.file_uploader(key="posts_upload").upload("posts.geojson", _posts((37.5, 48.5), (35.1, 47.6))).run()
    assert _metric(at, "Posts") == "2"
    at.file_uploader(key="posts_upload").upload("posts.geojson", _posts((36.0, 48.0), (36.5, 47.9))).run()
    assert not at.exception and _metric(at, "Posts") == "4"  # a different file: its posts are added
    at.run()
    assert _metric(at, "Posts") == "4"  # and a rerun does not add them again


@pytest.mark.parametrize(
    "value",
    [[1, 2, 3], "x", {"last_clicked": [1, 2]}, {"last_clicked": {"lng": "37", "lat": 48}}, {"last_clicked": {}}],
)
def test_a_forged_map_value_does_not_break_monitoring(monkeypatch, value):
    at = _monitoring()
    monkeypatch.setattr(mapview, "show", lambda *a, **k: value)  # what the map frame posted
    at.run()
    assert not at.exception  # AttributeError at pages/2_Monitoring.py:90 before the fix
    assert any("0 post(s) placed" in c.value for c in at.caption)
    monkeypatch.setattr(mapview, "show", lambda *a, **k: {"last_clicked": {"lng": 37.5, "lat": 48.5}})
    at.run()
    assert not at.exception and any("1 post(s) placed" in c.value for c in at.caption)  # a real click still works


def test_clicked_point_accepts_only_a_finite_lon_lat():
    assert mapview.clicked_point({"last_clicked": {"lng": 37.5, "lat": 48}}) == (37.5, 48.0)
    for bad in (None, [1, 2, 3], {"last_clicked": None}, {"last_clicked": {"lng": float("nan"), "lat": 1}}):
        assert mapview.clicked_point(bad) is None
    assert mapview.clicked_point({"last_clicked": {"lng": 200, "lat": 48}}) is None
    assert mapview.clicked_point({"last_clicked": {"lng": True, "lat": 48}}) is None
