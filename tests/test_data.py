"""The shipped geodata: counts, CRS, provenance, sanity figures."""

import shapely

from gis import crs, layers, stats


def test_layers_load_with_expected_counts_and_crs():
    assert len(layers.oblasts()) == 27
    assert layers.oblasts()["iso"].str.match(r"^UA-\d\d$").all()
    assert layers.oblasts()["name_en"].notna().all()
    assert len(layers.ukraine()) == 1
    assert len(layers.greyzone()) == 23
    assert 4_500 < len(layers.settlements()) < 5_488  # GeoNames minus districts, plus hromada centres
    infra = layers.infrastructure()
    assert set(infra.loc[infra.kind == "nuclear power plant", "name"]) == {
        "Zaporizhzhia NPP",
        "South Ukraine NPP",
        "Rivne NPP",
        "Khmelnytskyi NPP",
        "Chornobyl NPP",
    }
    assert (infra.kind.isin(["airport", "air base"])).sum() == 45  # airportsdata: 45 in Ukraine
    assert len(layers.korea_dmz()) == 3
    for gdf in (
        layers.oblasts(),
        layers.ukraine(),
        layers.greyzone(),
        layers.occupied_history(),
        layers.shipped_frontlines(),
    ):
        assert gdf.crs.to_epsg() == 4326
        assert gdf.geometry.is_valid.all()


def test_history_is_monthly_from_2022_04_to_2026_08_22():
    dates = layers.dates()
    assert dates[0].startswith("2022-04") and dates[-1] == "2026-08-22"
    months = {d[:7] for d in dates}
    assert len(months) == 53  # every month 2022-04 .. 2026-08
    assert len(dates) == 54  # plus 2026-08-22


def test_ukraine_area_matches_official_figure():
    # Ukraine's official area is 603,628 km2; the simplified oblast union must be within 0.5 %.
    area = crs.area_km2(layers.ukraine_metric())
    assert abs(area - 603_628) / 603_628 < 0.005


def test_occupied_share_is_about_19_percent():
    s = stats.occupied_summary(layers.front(layers.DATA_DATE))
    assert 110_000 < s["occupied_km2"] < 120_000  # SOURCES.md: about 116,500 km2
    assert 18.0 < s["occupied_pct"] < 20.5


def test_frontline_is_a_clean_line_of_expected_length(front):
    """We get 1,271 km for 2026-08-22: the main line from Kharkiv oblast to the Dnipro mouth
    plus the Sumy/Kharkiv border footholds. SOURCES.md's reference derivation gives about
    1,274 km; gaps under 1 km between occupied pieces no longer count (1,347 km before)."""
    line = front.frontline
    assert line.geom_type == "MultiLineString" and line.is_valid and not line.is_empty
    km = crs.length_km(line)
    assert 1_220 < km < 1_310
    longest = max(shapely.get_parts(line), key=lambda g: g.length)
    assert 1_000 < crs.length_km(longest) < 1_250
    # the frontline never runs along the national border or coast
    assert shapely.intersection(line, front.ukraine.boundary.buffer(400)).length == 0


def test_occupied_oblasts_table():
    df = stats.occupied_by_oblast(layers.front(layers.DATA_DATE))
    top = set(df.head(5)["iso"])
    assert top == {"UA-09", "UA-43", "UA-14", "UA-23", "UA-65"}  # Luhansk, Crimea, Donetsk, Zaporizhzhia, Kherson
    assert (df["occupied_pct"] <= 100.01).all()
    luhansk = df.set_index("iso").loc["UA-09", "occupied_pct"]
    assert luhansk > 95


def _occupied_km2(date: str) -> float:
    return float(crs.area_km2(crs.to_metric(layers.occupied(date).geometry.values[0])))


def test_history_areas_follow_the_war():
    summer_2022 = _occupied_km2("2022-07-01")  # before the Kharkiv and Kherson counter-offensives
    winter_2023 = _occupied_km2("2023-01-01")  # after them
    latest = _occupied_km2("2026-08-22")
    assert summer_2022 > winter_2023 * 1.1
    assert latest > winter_2023 * 1.05  # Russian gains 2024-2026
    assert abs(_occupied_km2(layers.dates()[0]) - latest) > 5_000


def test_geodata_is_small_and_documented():
    folder = layers.GEODATA_DIR
    files = [p for p in folder.glob("*.parquet")]
    assert sum(p.stat().st_size for p in files) < 15 * 2**20
    sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
    for p in files:
        assert p.name in sources, f"{p.name} has no provenance entry"
    for word in ("DeepStateMap", "GeoNames", "Minregion", "licen"):
        assert word in sources


def test_oblasts_named_after_their_centre_spell_it_as_the_centre():
    """Oblast names follow the official transliteration used for the towns (Zaporizhzhia, Odesa), not the
    old spellings of the source crosswalk."""
    s = layers.settlements()
    checked = 0
    for iso, name in zip(layers.oblasts()["iso"], layers.oblasts()["name_en"], strict=True):
        stem = name.removesuffix(" Oblast")
        centres = s.loc[s.oblast_centre & (s.iso == iso), "name"].tolist()
        # the same city (first letters agree); Dnipropetrovsk Oblast keeps its legal name (only the city became Dnipro)
        same_city = [c for c in centres if c[:4] == stem[:4] and stem != "Dnipropetrovsk"]
        for centre in same_city:
            assert stem == centre, (name, centre)
            checked += 1
    assert checked >= 18
