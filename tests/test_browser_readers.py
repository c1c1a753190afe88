"""Readers on every screen (issue 22), in one headless Chromium and one app: the headline figures fit from a
phone to a desktop, the sidebar folds on a tablet, the map lets the page scroll and has a reset button, the
line and the plants are drawn above the zone, the phone's credit leaves the scale bar alone, History's legend
leaves the zone clear and its map keeps the view between dates, and axe-core finds no serious or critical
violation on any page."""

import json

import pytest
from playwright.sync_api import sync_playwright

from benchmarks.browser import MAP_IFRAME, ROOT, launch, running_app, wait_idle, wait_map_drawn

AXE_JS = ROOT / ".ci" / "node_modules" / "axe-core" / "axe.min.js"  # installed by .ci/run (npm)
SIZES = [(390, 844), (820, 1180), (1024, 768), (1500, 1000)]
PAGES = ["", "/Compare_proposals", "/Monitoring", "/History", "/Data_and_method"]

# Everything inside a headline figure that a CSS ellipsis would cut, or that ends in one.
CUT_FIGURES = """() => [...document.querySelectorAll(['[data-testid=stMetricValue]', '[data-testid=stMetricValue] *',
    '[data-testid=stMetricLabel]', '[data-testid=stMetricLabel] *'].join(', '))]
  .filter(e => e.scrollWidth > e.clientWidth || (e.innerText || '').trim().endsWith('…'))
  .map(e => e.getAttribute('data-testid') + ': ' + e.innerText + ' ' + e.scrollWidth + '>' + e.clientWidth)"""
# How far the page has scrolled (Streamlit scrolls its main block, a plain page the document).
SCROLLED = """() => (document.scrollingElement.scrollTop || 0)
  + (document.querySelector('[data-testid=stMain]') || {scrollTop: 0}).scrollTop"""


@pytest.fixture(scope="module")
def browser():
    with running_app() as url, sync_playwright() as p:
        b = launch(p)
        b.base_url = url
        yield b
        b.close()


def _open(browser, path: str, size: tuple[int, int], **context):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]}, **context)
    page = ctx.new_page()
    page.goto(browser.base_url + path)
    wait_idle(page)
    return ctx, page


def _map(page):
    """The map's frame, drawn, and a function of its Leaflet map (``map_div``) evaluated in it."""
    wait_map_drawn(page)
    frame = next(f for f in page.frames if f != page.main_frame and "leaflet" in (f.content() or "")[:20000])
    frame.wait_for_function("() => window.map_div && window.FFE && window.FFE.homeControl", timeout=30_000)
    return frame


def test_headline_figures_fit_and_the_sidebar_folds_on_a_tablet(browser):
    for size in SIZES:
        ctx, page = _open(browser, "", size)
        page.locator('[data-testid="stMetricValue"]').nth(4).wait_for(timeout=30_000)
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        assert len(values) == 5 and all(v.strip() for v in values), (size, values)
        assert page.evaluate(CUT_FIGURES) == [], size
        collapsed = page.locator('[data-testid="stSidebar"]').get_attribute("data-collapsed", timeout=10_000)
        if size[0] < 1024:  # phone and tablet: the sidebar is folded, the page has the screen
            page.wait_for_function(
                "() => document.querySelector('[data-testid=stSidebar]').getAttribute('data-collapsed') === 'true'",
                timeout=10_000,
            )
        else:
            assert collapsed == "false", size
        assert page.evaluate(CUT_FIGURES) == [], size  # and still after the sidebar folded
        if size[0] < 640:  # a phone stacks the figures: each one on the screen's width
            boxes = [b.bounding_box() for b in page.locator('[data-testid="stMetric"]').all()]
            assert len({round(b["x"]) for b in boxes}) == 1, boxes
        ctx.close()


def test_the_wheel_scrolls_the_page_and_the_map_zooms_only_when_asked(browser):
    ctx, page = _open(browser, "", (1500, 1000))
    frame = _map(page)
    zoom = frame.evaluate("() => map_div.getZoom()")
    box = page.locator(MAP_IFRAME).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = page.evaluate(SCROLLED)
    for _ in range(3):
        page.mouse.wheel(0, 200)
    page.wait_for_function(f"() => ({SCROLLED})() > {before} + 200", timeout=10_000)
    assert frame.evaluate("() => map_div.getZoom()") == zoom  # the map did not zoom
    # with Ctrl held, the wheel zooms the map; 'Reset view' returns to the opening view
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    box = page.locator(MAP_IFRAME).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    frame.wait_for_function(f"() => map_div.getZoom() > {zoom}", timeout=10_000)
    frame.locator('.ffe-home a[aria-label="Reset view"]').click()
    frame.wait_for_function(f"() => map_div.getZoom() < {zoom} + 0.3", timeout=10_000)
    assert frame.evaluate("() => map_div.getZoom()") == zoom
    ctx.close()


# Points along the drawn frontline (container px) and what the map shows on top there.
ON_TOP_OF_LINE = """() => {
  const line = [...document.querySelectorAll('path.leaflet-interactive')]
    .filter(p => p.getAttribute('stroke') === LINE && p.closest('.leaflet-ffeLines-pane'));
  if (!line.length) { return null; }
  const p = line[0], n = 40, out = [];
  const total = p.getTotalLength(), ctm = p.getScreenCTM();
  for (let i = 1; i < n; i++) {
    const pt = p.getPointAtLength(total * i / n).matrixTransform(ctm);
    if (pt.x < 5 || pt.y < 5 || pt.x > innerWidth - 5 || pt.y > innerHeight - 5) { continue; }
    const top = document.elementFromPoint(pt.x, pt.y);
    out.push(top === p || (top && top.closest('.leaflet-ffeLabels-pane, .leaflet-ffeSymbols-pane,'
      + ' .leaflet-ffePlants-pane, .leaflet-control-container')) ? 'line' : (top && top.getAttribute('fill')));
  }
  return out;
}"""


def test_the_line_and_the_plants_are_drawn_above_the_zone(browser):
    from gis.present import COLORS

    ctx, page = _open(browser, "", (1500, 1000))
    frame = _map(page)
    seen = frame.evaluate(ON_TOP_OF_LINE.replace("LINE", json.dumps(COLORS["frontline"])))
    assert seen and seen.count("line") >= 0.9 * len(seen), seen  # a zone fill never covers the line
    zone_pane = frame.locator(f'path.leaflet-interactive[fill="{COLORS["zone_controlled"]}"]').first
    assert zone_pane.evaluate("p => !!p.closest('.leaflet-overlay-pane')")
    plants = frame.locator(f'path.leaflet-interactive[fill="{COLORS["npp"]}"]')
    assert plants.count() >= 1 and plants.first.evaluate("p => !!p.closest('.leaflet-ffePlants-pane')")
    frame.locator(".ffe-plant", has_text="Zaporizhzhia NPP").wait_for(timeout=10_000)  # named, not a bare dot
    ctx.close()


def _boxes_overlap(a, b) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and (b["y"] < a["y"] + a["height"])
    )


def test_on_a_phone_a_swipe_scrolls_the_page_and_the_credit_leaves_the_scale_bar(browser):
    """At 390 x 844 the map leaves room for the page around it, a one-finger swipe over it scrolls the page
    (two fingers move the map) and its data credit wraps beside the scale bar, not over it."""
    ctx, page = _open(browser, "", (390, 844), has_touch=True, is_mobile=True)
    frame = _map(page)
    page.locator(MAP_IFRAME).scroll_into_view_if_needed()
    box = page.locator(MAP_IFRAME).bounding_box()
    assert box["height"] <= 0.7 * 844, box
    scale = frame.locator(".leaflet-control-scale").bounding_box()
    credit = frame.locator(".leaflet-control-attribution").bounding_box()
    assert not _boxes_overlap(scale, credit), (scale, credit)
    # the browser pans the page for one finger (Leaflet's own 'none' would keep every swipe for the map)
    assert frame.evaluate("() => getComputedStyle(map_div.getContainer()).touchAction") == "pan-x pan-y"
    assert frame.evaluate("() => map_div.touchZoom.enabled()")  # two fingers still zoom and move it
    # a one-finger swipe up over the map, as the touch screen sends it
    centre = frame.evaluate("() => map_div.getCenter()")
    before = page.evaluate(SCROLLED)
    cdp = ctx.new_cdp_session(page)
    x, y0 = box["x"] + box["width"] / 2, min(box["y"] + 0.8 * box["height"], 800)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y0}]})
    for i in range(1, 11):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y0 - 25 * i}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function(f"() => ({SCROLLED})() > {before} + 100", timeout=10_000)  # the page scrolled
    assert frame.evaluate("() => map_div.getCenter()") == centre  # and the map did not pan
    assert frame.evaluate("() => map_div.dragging.enabled()")  # a mouse still drags it
    ctx.close()


# Points along the zone's outline (client px) that lie under the legend.
ZONE_UNDER_LEGEND = """() => {
  const legend = document.querySelector('.ffe-legend').getBoundingClientRect(), hits = [];
  document.querySelectorAll('path.leaflet-interactive').forEach(p => {
    if (!ZONE.includes(p.getAttribute('fill'))) { return; }
    const total = p.getTotalLength(), ctm = p.getScreenCTM();
    for (let i = 0; i < 400; i++) {
      const pt = p.getPointAtLength(total * i / 400).matrixTransform(ctm);
      if (pt.x >= legend.left && pt.x <= legend.right && pt.y >= legend.top && pt.y <= legend.bottom) {
        hits.push([Math.round(pt.x), Math.round(pt.y)]);
      }
    }
  });
  return hits;
}"""


def test_history_legend_leaves_the_zone_clear_and_the_map_keeps_its_view_between_dates(browser):
    from gis.present import ZONE_COLORS

    zone = json.dumps(list(ZONE_COLORS["A"]))
    for size in [(1024, 768), (1500, 1000)]:
        ctx, page = _open(browser, "/History", size)
        frame = _map(page)
        assert frame.evaluate(ZONE_UNDER_LEGEND.replace("ZONE", zone)) == [], size
        ctx.close()
    ctx, page = _open(browser, "/History", (1500, 1000))
    frame = _map(page)
    frame.locator(".leaflet-control-zoom-in").click()
    frame.wait_for_function("() => !map_div._animatingZoom", timeout=10_000)
    frame.wait_for_timeout(400)
    view = frame.evaluate("() => [map_div.getZoom(), map_div.getCenter().lat, map_div.getCenter().lng]")
    label = "Date (type or pick; the nearest monthly snapshot is shown)"
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type("20221005")  # typed: year, month, day; the date is taken when the field is left
    page.locator("h1").first.click()
    page.get_by_text("Snapshot shown: 2022-10-01").wait_for(timeout=30_000)
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].some(f => { try { return f.contentWindow.map_div &&"
        " f.contentWindow.FFE.homeControl && f.contentDocument.body.innerHTML.includes('2022-10-01'); }"
        " catch (e) { return false; } })",
        timeout=30_000,
    )
    frame = _map(page)
    now = frame.evaluate("() => [map_div.getZoom(), map_div.getCenter().lat, map_div.getCenter().lng]")
    assert now == pytest.approx(view, abs=1e-4), (view, now)
    ctx.close()


AXE_RUN = """async () => {
  const r = await axe.run(document, {iframes: false, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def test_axe_finds_no_serious_or_critical_violation_on_any_page(browser):
    assert AXE_JS.exists(), "axe-core is missing: `bash .ci/run` installs it (npm)"
    found = {}
    for path, size in [(p, (1500, 1000)) for p in PAGES] + [("", (390, 844)), ("/Compare_proposals", (390, 844))]:
        ctx, page = _open(browser, path, size)
        if path != "/Data_and_method":
            wait_map_drawn(page)
        else:
            page.get_by_text("Every number on these pages").wait_for(timeout=30_000)
        wait_idle(page)
        page.add_script_tag(path=str(AXE_JS))
        violations = page.evaluate(AXE_RUN)
        bad = [v for v in violations if v["impact"] in ("serious", "critical") or v["id"] == "heading-order"]
        if bad:
            found[f"{path or '/'} {size}"] = bad
        ctx.close()
    assert not found, json.dumps(found, indent=1)
