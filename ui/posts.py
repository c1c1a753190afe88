"""The Monitoring page's own posts: placed by clicking the map or uploaded as GeoJSON points, kept in the
session (a refused file or click never loses the posts already placed)."""

from __future__ import annotations

import shapely
import streamlit as st

from gis import monitoring
from gis.uploads import check_in_ukraine
from ui.mapview import clicked_point
from ui.messages import error_box, message
from ui.uploads import file_hash, parsed_upload


def user_posts() -> list[tuple[float, float]]:
    """The session's own posts as (lon, lat)."""
    return st.session_state.setdefault("user_posts", [])


def upload_posts(posts: list[tuple[float, float]]) -> None:
    """The posts uploader: a new file's points are added once (a rerun does not add them again)."""
    up = st.file_uploader(
        "Upload posts (GeoJSON Points, WGS84 lon/lat)", type=["geojson", "json", "zip"], key="posts_upload"
    )
    if up is None:
        return
    try:
        parsed = parsed_upload(up.getvalue(), ("Point",))
        pts = [(p.x, p.y) for g in shapely.from_wkb(parsed["wkbs"]) for p in shapely.get_parts(g)]
        digest = file_hash(up.getvalue())  # a new file is told by its content, not its name and count
        if st.session_state.get("_posts_file") != digest:
            monitoring.check_posts_count(len(posts) + len(pts))
            posts.extend(pts)
            st.session_state["_posts_file"] = digest
        for n in parsed["notices"]:
            message("info", n)
    except Exception as e:  # the upload's error boundary
        error_box(e, f"Could not use {up.name!r}: ", " Your other posts are kept.")


def add_clicked_post(clicked: dict | None, posts: list[tuple[float, float]]) -> None:
    """A new click on the map places a post there (inside Ukraine, within the posts limit)."""
    click = clicked_point(clicked)  # (lon, lat), or None (also for a malformed value from the browser)
    if not click or st.session_state.get("_last_click") == click:
        return
    st.session_state["_last_click"] = click
    try:
        check_in_ukraine([shapely.Point(*click)])
        monitoring.check_posts_count(len(posts) + 1)
        posts.append((round(click[0], 5), round(click[1], 5)))
    except Exception as e:  # a refused or malformed click
        error_box(e, "Post not added: ", "")
        return
    st.rerun()
