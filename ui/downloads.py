"""Download buttons: files built only when clicked, on Streamlit's download thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from gis import export
from gis.frontline import Front
from ui.cached import Scene


def _download(label: str, make_bytes: Callable[[], bytes], file_name: str, mime: str, key: str) -> None:
    """A download button whose file is built only when clicked (on Streamlit's download thread)."""
    st.download_button(label, make_bytes, file_name=file_name, mime=mime, key=key, on_click="ignore")


def geojson_download(label: str, make_fc: Callable[[], dict], file_name: str, key: str) -> None:
    """A GeoJSON download built only when clicked (``make_fc`` returns a FeatureCollection)."""
    _download(label, lambda: export.dumps(make_fc()).encode("utf-8"), file_name, "application/geo+json", key)


def csv_download(label: str, make_df: Callable[[], pd.DataFrame], file_name: str, key: str) -> None:
    """A CSV download built only when clicked (``make_df`` returns a DataFrame)."""
    _download(label, lambda: make_df().to_csv(index=False).encode("utf-8"), file_name, "text/csv", key)


def brief_downloads(front: Front, shown: Sequence[Scene], file_stem: str, key: str) -> None:
    """'Download brief (PDF)' and 'Map for slides (PNG)' for the zone(s) on the page, two for a comparison.
    The files are drawn (about 1-2 s) only when clicked; ``gis.brief`` (matplotlib) is imported then too,
    so pages do not pay for it."""

    def render(kind: str) -> bytes:
        from gis import brief

        items = [brief.BriefZone(s.label, s.zone, s.analysis, s.reach_later() if s.reach_later else ()) for s in shown]
        return brief.brief_pdf(front, items) if kind == "pdf" else brief.map_png(front, items)

    buttons = (
        (
            "⬇️ Download brief (PDF)",
            "pdf",
            "brief.pdf",
            "application/pdf",
            "Two pages: the map with place names, the figures with their ranges, the towns and infrastructure inside, "
            "method and sources.",
        ),
        ("⬇️ Map for slides (PNG)", "png", "map.png", "image/png", "The map alone, 1920 × 1080 px."),
    )
    left, right, _ = st.columns(3)  # aligned with the pages' other download rows
    for col, (label, kind, suffix, mime, help_text) in zip((left, right), buttons, strict=True):
        col.download_button(
            label,
            lambda kind=kind: render(kind),
            file_name=f"{file_stem}_{suffix}",
            mime=mime,
            key=f"{key}_{kind}",
            on_click="ignore",
            help=help_text,
        )
