"""The bad-input corpus: file -> (geometry families the upload takes, expected message).

A message of None means the file is accepted (perhaps after a repair or a
reprojection, announced by a notice containing ``notice``).
"""

ZONE = ("Polygon",)
LINE = ("LineString",)

ERRORS = {
    "malformed.geojson": (ZONE, "not valid JSON"),
    "not_geojson.json": (ZONE, "not GeoJSON"),
    "json_list.json": (ZONE, "not GeoJSON"),
    "empty_collection.geojson": (ZONE, "no features"),
    "points_not_polygon.geojson": (ZONE, "is a Point"),
    "polygon_not_line.geojson": (LINE, "is a Polygon"),
    "projected_metres_no_crs.geojson": (ZONE, "looks projected"),
    "unknown_crs.geojson": (ZONE, "Unknown coordinate reference system"),
    "latlon_swapped.geojson": (ZONE, "lon and lat swapped"),
    "outside_ukraine.geojson": (ZONE, "outside Ukraine"),
    "points_outside_ukraine.geojson": (("Point",), "outside Ukraine"),
    "nan_coordinates.geojson": (ZONE, "NaN or infinite"),
    "infinite_coordinates.geojson": (("Point",), "NaN or infinite"),
    "null_geometry.geojson": (ZONE, "no non-empty geometry"),
    "malformed_coordinates.geojson": (ZONE, "malformed geometry"),
    "unsupported_type.geojson": (ZONE, "Unsupported GeoJSON type"),
    "empty.geojson": (ZONE, "empty"),
    "latin1_text.geojson": (ZONE, "not UTF-8"),
    "shapefile.zip": (ZONE, "zip archive"),
}

ACCEPTED = {
    "self_intersecting_bowtie.geojson": (ZONE, "repaired"),
    "projected_3857_declared.geojson": (ZONE, "Reprojected"),
    "valid_zone.geojson": (ZONE, None),
    "valid_line.geojson": (LINE, None),
}

# Hostile files, generated at test time by hostile.py (small but expensive, crashing or misleading):
# name -> (families the upload takes, bytes maker, expected message). The limits are in gis/uploads.py.
import hostile as h

POINT = ("Point",)
HOSTILE_ERRORS = {
    "self_crossing_polygon_1000": (
        ZONE,
        lambda: h.self_crossing_polygon(1_000),
        "cross or overlap each other at more than 5,000",
    ),
    "self_crossing_line_1000": (
        LINE,
        lambda: h.random_line_in_box(1_000),
        "crosses or overlaps itself at more than 5,000",
    ),
    "line_1500_points_x18": (LINE, lambda: h.repeated_line(1_500, 18), "crosses or overlaps itself"),
    "overlapping_squares_60000": (ZONE, lambda: h.overlapping_squares(60_000), "separate polygons; the limit is 5,000"),
    "comb_40000_vertices": (ZONE, lambda: h.comb(40_000), "vertices; the limit is 30,000"),
    "comb_sheared_4000": (ZONE, lambda: h.comb(4_000, rotated=True), "too intricate"),
    "holes_5001": (ZONE, lambda: h.polygon_with_holes(5_001), "holes; the limit is 5,000"),
    "line_40000_points": (LINE, lambda: h.wiggly_line(40_000), "vertices; the limit is 30,000"),
    "posts_6000": (POINT, lambda: h.many_posts(6_000), "separate points; the limit is 5,000"),
    "integer_401_digits": (ZONE, lambda: h.huge_integer(401), "NaN or infinite"),
    "integer_5001_digits": (ZONE, lambda: h.huge_integer(5_001), "NaN or infinite"),
    "crs_properties_list": (ZONE, lambda: h.crs_properties(["EPSG:4326"]), "'crs' member"),
    "crs_properties_string": (ZONE, lambda: h.crs_properties("EPSG:4326"), "'crs' member"),
    "crs_engineering_local_cs": (ZONE, h.engineering_crs, "cannot be converted to lon/lat"),
    "type_is_a_list": (ZONE, h.type_as_list, "'type' member must be a text"),
    "posts_1_in_999_out": (POINT, h.posts_mostly_outside, "Only 1 of 1,000 points lies inside Ukraine"),
    "line_70m_in_3400km_out": (LINE, h.line_mostly_outside, "Only 0.1 km of the line"),
    "markdown_in_type": (ZONE, h.markdown_in_content, "Unsupported GeoJSON type"),
    "collections_nested_4_deep": (POINT, h.nested_collections, "nested more than twice"),
}
HOSTILE_ACCEPTED = {  # name -> (families, maker, notice)
    "whole_world_zone": (ZONE, h.whole_world, "lies outside Ukraine and is left out"),
    "pole_to_pole_strip": (ZONE, h.pole_to_pole_strip, "lies outside Ukraine and is left out"),
}
