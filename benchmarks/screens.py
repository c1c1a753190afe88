"""Screenshots of every page as a reader sees it: `python -m benchmarks.screens [--out docs/screens] [--scroll]`.

Starts the app, opens each page in headless Chromium at a phone's 390x844, a small laptop's (or a tablet's
landscape) 1024x768 and a desktop's 1500x1000, waits for the page to be idle and its map drawn, and writes
``<page>_<W>x<H>.png`` (the first screen); with ``--scroll`` also one picture per further screen of the page
(``<page>_<W>x<H>_s1.png`` ...), scrolling Streamlit's main container.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.browser import launch, running_app, wait_idle, wait_map_drawn

PAGES = {
    "explorer": "/",
    "compare": "/Compare_proposals",
    "monitoring": "/Monitoring",
    "history": "/History",
    "method": "/Data_and_method",
}
SIZES = [(390, 844), (1024, 768), (1500, 1000)]
MAIN = "document.querySelector('[data-testid=stMain]')"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/screens"))
    ap.add_argument("--scroll", action="store_true", help="also the screens below the first")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with running_app() as app, sync_playwright() as p:
        browser = launch(p)
        for w, h in SIZES:
            for name, path in PAGES.items():
                page = browser.new_page(viewport={"width": w, "height": h}, has_touch=w < 640, is_mobile=w < 640)
                page.goto(app + path)
                wait_idle(page)
                if name != "method":
                    wait_map_drawn(page)
                    wait_idle(page)
                time.sleep(1.5)  # the place names are placed a frame after the map's last move
                page.screenshot(path=str(args.out / f"{name}_{w}x{h}.png"))
                total = page.evaluate(f"{MAIN}.scrollHeight") if args.scroll else 0
                for i, y in enumerate(range(h - 100, total, h - 100), start=1):
                    page.evaluate(f"{MAIN}.scrollTo(0, {y})")
                    time.sleep(0.5)
                    page.screenshot(path=str(args.out / f"{name}_{w}x{h}_s{i}.png"))
                print(f"{name} {w}x{h}")
                page.close()


if __name__ == "__main__":
    main()
