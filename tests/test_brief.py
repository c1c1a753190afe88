"""The scenario brief: a real PDF whose pages, seen as pictures, hold the map; its text layer holds the
figures, place names and infrastructure; the PNG for slides; the CLI; the page buttons; the real download."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from PIL import Image
from streamlit.testing.v1 import AppTest

from gis import brief

ROOT = Path(__file__).resolve().parents[1]
DATE = "2026-08-22"


@pytest.fixture(scope="module")
def ua(front, pop_index):
    return [brief.proposal_zone(front, "ukrainian", pop_index)]


@pytest.fixture(scope="module")
def ua_bytes(front, ua):
    return brief.brief_pdf(front, ua)


@pytest.fixture(scope="module")
def ua_pdf(ua_bytes):
    return pdfium.PdfDocument(ua_bytes)


def _text(doc, i: int) -> str:
    """A page's text layer with whitespace (line breaks of wrapped text) collapsed."""
    return " ".join(doc[i].get_textpage().get_text_range().split())


def _image(doc, i: int) -> np.ndarray:
    """A page rendered to an RGB array (72 dpi x 1.5)."""
    return doc[i].render(scale=1.5, rev_byteorder=True).to_numpy()[:, :, :3].astype(int)


def _zone_colour_shares(img: np.ndarray) -> tuple[float, float]:
    """Shares of orange-ish (occupied side) and blue-ish (Ukrainian-controlled side) pixels."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    orange = (r > 200) & (g > 130) & (g < 205) & (b < 140) & (r - b > 100)
    blue = (b > 150) & (b - r > 45) & (b >= g)
    return float(orange.mean()), float(blue.mean())


def test_pdf_is_a_real_pdf_of_one_or_two_pages(ua_bytes):
    data = ua_bytes
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert 1 <= len(pdfium.PdfDocument(data)) <= 2


def test_first_page_as_a_picture_shows_the_map_with_both_sides(ua_pdf):
    img = _image(ua_pdf, 0)
    assert (img < 250).any(axis=2).mean() > 0.2  # not blank: a good share of the page is drawn
    orange, blue = _zone_colour_shares(img)
    assert orange > 0.002 and blue > 0.002, (orange, blue)  # both sides drawn (the frame holds all occupied land)
    h, w = img.shape[:2]
    assert w > h  # A4 landscape


def test_text_layer_has_date_figures_places_and_infrastructure(ua_pdf, ua, front):
    from gis import present

    first, both = _text(ua_pdf, 0), " ".join(_text(ua_pdf, i) for i in range(len(ua_pdf)))
    pop = ua[0].analysis.population
    figure = brief.figures_of(front, ua)[0]
    assert pop.estimate > 1e6
    assert DATE in first and f"{pop.estimate / 1e6:.2f} million" in first
    assert present.people_range_cells([figure])[0] in first  # the range (or the one value both methods give)
    assert f"{ua[0].zone.area_km2:,.0f} km²" in first
    assert "pre-war residents (2022 statistics), not people there today" in first
    cities = [
        "Kherson",
        "Zaporizhzhia",
        "Kharkiv",
        "Donetsk",
        "Dnipro",
        "Mykolaiv",
        "Kramatorsk",
        "Melitopol",
        "Mariupol",
    ]
    assert sum(c in first for c in cities) >= 7, [c for c in cities if c not in first]
    assert "Zaporizhzhia NPP" in first and "Kramatorsk Airport" in first  # on the map
    airport = ua[0].analysis.infrastructure.set_index("name").loc["Kramatorsk Airport"]
    assert "Kramatorsk Airport" in both and f"{airport.km_to_line:g}" in both  # the infrastructure table
    assert "DeepStateMap" in both and "GeoNames" in both and "airportsdata" in both
    assert "ukraine_controlled" not in both and "Ukrainian-controlled" in both
    largest = ua[0].analysis.towns.sort_values("people_inside", ascending=False).iloc[0]
    # the row is the place's name, starred where its figure is the urban hromada's (the page says so)
    shown = largest.place + (" *" if largest.figure == "urban hromada" else "")
    assert shown in _text(ua_pdf, 1) and f"{largest.people_inside:,.0f}" in _text(ua_pdf, 1)
    assert "* people (2022): the urban hromada's total" in _text(ua_pdf, 1)


def test_brief_cites_every_source_behind_its_figures(ua_pdf):
    """The headline people figure can be cited from the PDF alone: State Statistics (via KSE) and OCHA are named
    beside DeepStateMap, Minregion, GeoNames and the infrastructure sources."""
    both = " ".join(_text(ua_pdf, i) for i in range(len(ua_pdf)))
    sources = both[both.index("Sources") :]
    for name in ("DeepStateMap", "Minregion", "State Statistics", "KSE", "OCHA", "GeoNames", "GeoNuclearData"):
        assert name in sources, name


@pytest.fixture(scope="module")
def compare_items(front, pop_index):
    return [brief.proposal_zone(front, "russian", pop_index), brief.proposal_zone(front, "ukrainian", pop_index)]


def test_compare_brief_has_b_minus_a_and_no_figure_cut(front, compare_items):
    """The Compare brief: a B − A column whose people figure is B's minus A's as written, each row in one
    number format, and no text cut with an ellipsis (figures shrink to fit instead)."""
    import re

    from gis import present

    doc = pdfium.PdfDocument(brief.brief_pdf(front, compare_items))
    text = " ".join(_text(doc, i) for i in range(len(doc)))
    assert "…" not in text
    assert present.DIFFERENCE_HEADER in _text(doc, 0)
    rows = {label: cells for label, cells, _ in brief.figure_rows(front, compare_items)}
    a, b, diff = rows["People inside (estimate)"]
    number = lambda t: float(t.replace(",", "").replace("\u2212", "-").split()[0])  # noqa: E731
    assert number(b) - number(a) == number(diff) and diff.startswith("+")
    assert " million" not in a + b or (" million" in a and " million" in b)  # one format in the row
    for cell in (a, b, diff, *rows["   range"][:2], *rows["Zone area"]):
        assert cell in text, cell
    assert not re.search(r"\b(\S+) – \1\b", text)  # no 'x – x' range


def test_exported_maps_label_the_towns_inside_first_and_frame_the_occupied_land(front, ua):
    """The map labels the towns with most people inside the zone before far-off cities, names the town under
    a plant with it, and frames the zone with all of the occupied land (Crimea, Luhansk)."""
    fig = Figure(figsize=brief.PAGE_IN)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.03, 0.08, 0.58, 0.8))
    brief.draw_map(ax, front, ua)
    labels = {t.get_text() for t in ax.texts if isinstance(t, Annotation) and t.get_gid() != "halo"}
    inside = ua[0].analysis.towns.sort_values("people_inside", ascending=False)["name"].head(8)
    named = [n for n in inside if any(n in t for t in labels)]
    assert len(named) >= 7, (list(inside), sorted(labels))
    assert any("Zaporizhzhia NPP" in t and "Enerhodar" in t for t in labels)
    assert not {"Fastiv", "Uman", "Shostka"} & labels
    from gis import crs

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ox0, oy0, ox1, oy1 = front.sides.occupied.bounds
    assert x0 <= ox0 and ox1 <= x1 and y0 <= oy0 and oy1 <= y1
    sevastopol = crs.to_metric(shapely_point(33.52, 44.6))
    assert y0 < sevastopol.y


def shapely_point(lon, lat):
    import shapely

    return shapely.Point(lon, lat)


def test_map_labels_never_overlap_and_stay_inside(front, ua):
    fig = Figure(figsize=brief.PAGE_IN)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.03, 0.08, 0.58, 0.8))
    brief.draw_map(ax, front, ua)
    r = fig.canvas.get_renderer()
    boxes = [
        t.get_window_extent(r) for t in ax.texts if isinstance(t, Annotation) and t.get_text() and t.get_gid() != "halo"
    ]
    frame = ax.get_window_extent(r)
    assert len(boxes) >= 25
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        assert not any(a.overlaps(b) for b in boxes[i + 1 :])


def test_comparison_brief_has_both_zones(front, pop_index):
    items = [brief.proposal_zone(front, "russian", pop_index), brief.proposal_zone(front, "ukrainian", pop_index)]
    doc = pdfium.PdfDocument(brief.brief_pdf(front, items))
    text = " ".join(_text(doc, i) for i in range(len(doc)))
    for item in items:
        assert item.label in text and f"{item.zone.area_km2:,.0f} km²" in text
    orange, blue = _zone_colour_shares(_image(doc, 0))
    assert orange > 0.002 and blue > 0.002


def test_png_for_slides(front, ua):
    text = brief.headline(front, ua)  # drawn under the title
    assert brief.present.people_text(ua[0].analysis.population.estimate) in text and "km²" in text
    data = brief.map_png(front, ua)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1920, 1080)
    img = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
    orange, blue = _zone_colour_shares(img)
    assert orange > 0.002 and blue > 0.002
    assert (img < 250).any(axis=2).mean() > 0.2


def test_bad_input_is_a_gis_error(front, ua):
    from gis import GisError

    with pytest.raises(GisError):
        brief.brief_pdf(front, [])
    with pytest.raises(GisError):
        brief.map_png(front, ua * 3)


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "gis", "brief", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=180
    )


def test_cli_writes_pdf_and_png(tmp_path):
    pdf, png = tmp_path / "brief.pdf", tmp_path / "map.png"
    r = _cli("--proposal", "ukrainian", "--date", DATE, "--out", pdf, "--png", png)
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes().startswith(b"%PDF-") and png.read_bytes()[:4] == b"\x89PNG"
    doc = pdfium.PdfDocument(pdf.read_bytes())
    assert "Zaporizhzhia NPP" in _text(doc, 0) and "Ukrainian preference (25 km)" in _text(doc, 0)


@pytest.mark.parametrize(
    "args,words",
    [
        ((), "--out"),
        (("--compare", "russian", "nope", "--out", "x.pdf"), "Unknown proposal"),
        (("--proposal", "korea", "--out", "/nonexistent-dir/x.pdf"), "Cannot write"),
        (("--compare", "russian", "korea", "--width-km", "3", "--out", "x.pdf"), "--compare"),
    ],
)
def test_cli_errors_are_one_line(args, words):
    r = _cli(*args)
    assert r.returncode == 2 and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def _download_labels(at) -> list[str]:
    return [e.proto.label for e in at.get("download_button")]


def test_explorer_and_compare_pages_offer_the_brief():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert {"⬇️ Download brief (PDF)", "⬇️ Map for slides (PNG)"} <= set(_download_labels(at))
    at.switch_page("pages/1_Compare_proposals.py").run()
    assert not at.exception
    assert {"⬇️ Download brief (PDF)", "⬇️ Map for slides (PNG)"} <= set(_download_labels(at))


def test_brief_downloads_from_the_explorer_in_a_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import launch, running_app, wait_idle, wait_map_drawn

    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
        page.goto(url)  # the default zone: 25 km, 50 %
        wait_map_drawn(page)
        wait_idle(page)
        with page.expect_download(timeout=60_000) as dl:
            page.get_by_role("button", name="Download brief (PDF)").first.click()
        assert dl.value.suggested_filename.endswith("_brief.pdf")
        doc = pdfium.PdfDocument(Path(dl.value.path()).read_bytes())
        browser.close()
    assert "Zone 25 km" in _text(doc, 0) and "Kherson" in _text(doc, 0)  # a city label on the map
    assert _zone_colour_shares(_image(doc, 0))[1] > 0.002
    # the reach table, computed when the brief is drawn (the button keeps only the zone's keys)
    assert "What the zone buys" in _text(doc, 1) and "Tube artillery (100 mm and more) (25 km)" in _text(doc, 1)


def test_brief_of_an_uploaded_zone_and_along_an_uploaded_line(front, pop_index):
    """An uploaded zone is described as drawn by the reader, with its own people; a zone along an uploaded
    line names the line and counts the people along it, not along the date's line."""
    import shapely

    from gis import frontline, present, stats, zones

    polygon = zones.make_zone(front, 12, 0.5).controlled
    zone = zones.custom_zone(front, polygon, name="my_zone.geojson")
    analysis = stats.analyse(front, zone, pop_index)
    label = present.zone_label(zone, front)
    text = " ".join(
        _text(pdfium.PdfDocument(brief.brief_pdf(front, [brief.BriefZone(label, zone, analysis)])), 0).split()
    )
    assert "Zone from my_zone.geojson" in text and "drawn by the reader" in text
    assert present.people_text(analysis.population.estimate) in text

    moved = shapely.transform(shapely.get_parts(front.frontline)[0], lambda xy: xy + np.array([3000.0, 0.0]))
    custom = frontline.custom_front(front, moved, label="my_line.geojson")
    along = zones.make_zone(custom, 10, 0.5)
    people = stats.analyse(custom, along, stats.population_index(custom))
    shipped = stats.analyse(front, zones.make_zone(front, 10, 0.5), pop_index)
    assert people.population.estimate != shipped.population.estimate
    item = brief.BriefZone(present.zone_label(along, custom), along, people)
    text = _text(pdfium.PdfDocument(brief.brief_pdf(custom, [item])), 0)
    assert "Zone 10 km along my_line.geojson" in text and "custom frontline (my_line.geojson)" in text
    assert present.people_text(people.population.estimate) in text
