"""What a zone buys, in the real page (headless Chromium): the Explorer's reach section and, once ticked, the
band each side's weapons still reach on the map."""

import time

from playwright.sync_api import sync_playwright

from benchmarks.browser import MAP_IFRAME, launch, running_app, wait_idle, wait_map_drawn
from gis.present import COLORS


def test_explorer_shows_the_reach_section_and_the_reach_band(tmp_path):
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url + "/?width=30&split=50")
        frame = wait_map_drawn(page)
        wait_idle(page)
        heading = page.get_by_role("heading", name="Within reach after the pull-back")
        heading.wait_for(timeout=30_000)
        heading.scroll_into_view_if_needed()
        section = page.locator("[data-testid=stDataFrame]").filter(has_text="weapon class")
        assert section.count() == 1
        band = f'path.leaflet-interactive[stroke="{COLORS["reach_russian"]}"]'
        assert frame.locator(band).count() == 0  # opt-in: not drawn until ticked
        page.get_by_text("Show where it still reaches on the map").click()
        wait_idle(page)
        # the legend changes, so the map is mounted again: wait for the one new map, with the band's legend
        deadline = time.time() + 60
        while time.time() < deadline:
            if page.locator(MAP_IFRAME).count() == 1:
                frame = page.frame_locator(MAP_IFRAME)
                if frame.get_by_text("Still within Russian reach").count() == 1:
                    break
            time.sleep(0.2)
        frame = wait_map_drawn(page)
        frame.locator(band).first.wait_for(state="attached", timeout=30_000)
        assert frame.locator(band).count() >= 1
        assert frame.locator(f'path.leaflet-interactive[stroke="{COLORS["reach_ukrainian"]}"]').count() >= 1
        assert frame.get_by_text("Still within Russian reach").count() == 1  # the legend says what the band is
        page.screenshot(path=str(tmp_path / "reach.png"))
        browser.close()
