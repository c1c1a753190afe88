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
