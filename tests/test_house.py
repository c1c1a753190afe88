"""The house plan, kept: small modules and functions, gis free of Streamlit, caches in one bounded layer,
custom inputs told apart by typed flags (../shared/notes/architecture.md)."""

import ast
from pathlib import Path

import numpy as np
import pytest

from gis import GisError, frontline, stats, zones

ROOT = Path(__file__).resolve().parents[1]
GIS, UI = ROOT / "gis", ROOT / "ui"
MAX_UI_MODULE_LINES = 250
MAX_FUNCTION_LINES = 60
# gis caches only what it reads from the shipped files: functions of no argument, or of a file's name
# (one entry per shipped file), of a user snapshot's file version, or of one character (the brief's text widths).
FILE_CACHES = {
    "_read": ("name",),
    "_read_plain": ("name",),
    "_load_user_snapshot": ("path", "mtime_ns", "size"),
    "_advance_pt": ("ch", "weight", "style"),
}
ONE_ENTRY_PER_FILE = {"_read", "_read_plain"}


def _functions(folder: Path):
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path, node


def test_ui_modules_and_functions_stay_small():
    long_modules = [p.name for p in UI.glob("*.py") if len(p.read_text().splitlines()) > MAX_UI_MODULE_LINES]
    long_functions = [
        f"{p.name}:{n.lineno} {n.name}"
        for folder in (GIS, UI)
        for p, n in _functions(folder)
        if n.end_lineno - n.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long_modules and not long_functions, (long_modules, long_functions)


def test_gis_never_imports_streamlit_and_reaches_no_further_down():
    for path in GIS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] in ("streamlit", "ui") for n in names), path.name


def test_gis_caches_only_shipped_files():
    """Everything keyed by a date, zone or setting is cached once, by the caller (ui/cached.py); what gis
    keeps per argument is bounded."""
    for path, fn in _functions(GIS):
        names = [ast.unparse(d) for d in fn.decorator_list]
        # a cached_property is a value of its own object, not a cache keyed by arguments
        decorators = [d for d in names if "cache" in d and d != "cached_property"]
        args = tuple(a.arg for a in fn.args.args)
        if not decorators or not args:
            continue
        assert FILE_CACHES.get(fn.name) == args, f"{path.name}: {fn.name}{args} is cached in gis"
        bounded = decorators[0].startswith("lru_cache(maxsize=") and "None" not in decorators[0]
        assert bounded or fn.name in ONE_ENTRY_PER_FILE, f"{path.name}: {fn.name} {decorators[0]}"


def test_every_streamlit_cache_is_bounded():
    for path in [*UI.glob("*.py"), ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("st.cache_resource", "st.cache_data"):
                assert any(k.arg == "max_entries" for k in node.keywords), f"{path.name}:{node.lineno}"


def test_custom_inputs_are_typed_flags_not_strings(front):
    line = shapely_line(front)
    custom = frontline.custom_front(front, line, label="my line")
    assert custom.custom and not front.custom and custom.line_key != front.line_key
    polygon = zones.make_zone(front, 10, 0.5).controlled
    assert zones.custom_zone(front, polygon).custom and not zones.make_zone(front, 10, 0.5).custom
    sources = [ROOT / "app.py", *(ROOT / "pages").glob("*"), *UI.glob("*"), *GIS.glob("*")]
    assert not [p.name for p in sources if p.is_file() and "uploaded line" in p.read_text(errors="ignore")]


def shapely_line(front):
    """A piece of the real line moved 5 km east: a custom line that is not the date's."""
    import shapely

    piece = shapely.get_parts(front.frontline)[0]
    return shapely.transform(piece, lambda xy: xy + np.array([5000.0, 0.0]))


def test_people_along_a_custom_line_need_that_lines_index(front, pop_index):
    """A custom Front given no population index, or the shipped line's, is an error, not the shipped
    line's people."""
    custom = frontline.custom_front(front, shapely_line(front), label="my line")
    zone = zones.make_zone(custom, 10, 0.5)
    with pytest.raises(GisError, match="population index"):
        stats.analyse(custom, zone, None)
    with pytest.raises(GisError, match="another frontline"):
        stats.analyse(custom, zone, pop_index)
    with pytest.raises(GisError, match="another frontline"):
        stats.towns_inside(custom, zone, pop_index)
    own = stats.population_index(custom)
    assert stats.analyse(custom, zone, own).population.estimate > 0
