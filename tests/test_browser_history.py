"""History page in headless Chromium: a click on a month of a chart opens that date's map."""

from playwright.sync_api import sync_playwright

from benchmarks.browser import launch, running_app, wait_idle, wait_map_drawn


def _date_shown(page) -> str:
    """The snapshot the page shows ('Snapshot shown: 2026-08-22')."""
    return page.get_by_text("Snapshot shown:").inner_text().removeprefix("Snapshot shown: ")[:10]


def test_click_on_a_month_opens_its_map():
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}/History")
        wait_map_drawn(page)
        wait_idle(page)
        assert _date_shown(page) == "2026-08-22"
        assert page.get_by_text("source switch").count() >= 1  # the month the sources switch is marked
        chart = page.locator('[data-testid="stVegaLiteChart"]').nth(1)  # frontline length
        box = chart.bounding_box()
        # the far left of the plot: the nearest month is one of the first (2022-04 / 2022-05)
        page.mouse.click(box["x"] + box["width"] * 0.27, box["y"] + box["height"] * 0.3)
        page.get_by_text("Snapshot shown: 2022-0").wait_for(timeout=30_000)
        wait_idle(page)
        assert _date_shown(page).startswith("2022-0")
        assert page.locator("[data-testid=stException]").count() == 0
        wait_map_drawn(page)
        browser.close()
