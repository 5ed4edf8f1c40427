"""The catalog: its data files load, every number is sourced, broken files fail clearly, presets agree."""

from __future__ import annotations

import re
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import REPO

from zerodistrict import catalog
from zerodistrict.analysis.emissions import GRID_FACTORS
from zerodistrict.errors import InputError
from zerodistrict.profiles import households, loads, weather
from zerodistrict.scenario.economics import ECONOMICS_DEFAULTS, default_economics
from zerodistrict.scenario.loading import PRESET_DIR, list_presets, load_scenario
from zerodistrict.scenario.tariff import EXPORT_SCHEMES, TARIFFS

DATA = catalog.DATA_DIR
SOURCES_MD = REPO / "docs" / "sources.md"

#: data file → the loader that reads it alone
LOADERS = {
    "climatologies.yaml": catalog.climatologies,
    "load_archetypes.yaml": catalog.archetypes,
    "costs.yaml": catalog.economics_defaults,
    "grid_factors.yaml": catalog.grid_factors,
    "hydrogen_costs.yaml": catalog.hydrogen_costs,
    "tariffs_common.yaml": catalog.export_schemes,
    "tariffs_jp.yaml": catalog.tariffs,
    "tariffs_my.yaml": catalog.tariffs,
    "buildings.yaml": catalog.dwellings,
}

#: module table → the catalog function behind it and the files it reads
TABLES = [
    (weather.CLIMATOLOGIES, catalog.climatologies, "climatologies.yaml"),
    (loads.ARCHETYPES, catalog.archetypes, "load_archetypes.yaml"),
    (TARIFFS, catalog.tariffs, "tariffs_*.yaml"),
    (EXPORT_SCHEMES, catalog.export_schemes, "tariffs_*.yaml"),
    (ECONOMICS_DEFAULTS, catalog.economics_defaults, "costs.yaml"),
    (GRID_FACTORS, catalog.grid_factors, "grid_factors.yaml"),
    (households.HOUSEHOLD_DEFAULTS, catalog.household_defaults, "buildings.yaml"),
]


def data_files() -> list[Path]:
    return sorted(DATA.glob("*.yaml"))


def raw(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- every file loads


def test_every_data_file_has_a_loader_and_loads():
    assert sorted(p.name for p in data_files()) == sorted(LOADERS)
    for path in data_files():
        if path.name == "tariffs_common.yaml":
            assert set(catalog.export_schemes(path)) == {"none"}
            continue
        table = LOADERS[path.name](path)
        assert table, path.name
    jp, my = catalog.tariffs(DATA / "tariffs_jp.yaml"), catalog.tariffs(DATA / "tariffs_my.yaml")
    assert {t.currency for t in jp.values()} == {"JPY"} and {t.currency for t in my.values()} == {"MYR"}


@pytest.mark.parametrize("table, load, pattern", TABLES, ids=[t[1].__name__ for t in TABLES])
def test_module_tables_are_the_catalog_files(table, load, pattern):
    # the lazy module table, the cached catalog table and a fresh uncached read of its files agree
    fresh = {}
    for path in sorted(DATA.glob(pattern)):
        fresh.update(load(path))
    assert dict(table) == load() == fresh
    assert load() is not load()  # callers get their own dict


def test_package_data_covers_the_data_files():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["zerodistrict"]
    package = REPO / "src" / "zerodistrict"
    for path in data_files():
        rel = path.relative_to(package).as_posix()
        assert any(fnmatch(rel, pattern) for pattern in patterns), rel


def test_importing_the_stages_reads_no_catalog_file():
    code = (
        "import zerodistrict.scenario, zerodistrict.profiles.weather, zerodistrict.profiles.loads, "
        "zerodistrict.analysis.emissions\n"
        "from zerodistrict import catalog\n"
        "assert catalog._cached.cache_info().currsize == 0, catalog._cached.cache_info()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


# --------------------------------------------------------------------------- every value is sourced


def numbers_outside_sources(node, where: str = "") -> list[str]:
    """Key paths of numbers that are not under a {value, source+year | assumption} mapping."""
    if isinstance(node, dict):
        if "value" in node:
            return []
        return [p for k, v in node.items() for p in numbers_outside_sources(v, f"{where}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in numbers_outside_sources(v, f"{where}[{i}]")]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [where]
    return []


def sourced_values(node, where: str = ""):
    if isinstance(node, dict):
        if "value" in node:
            yield where, node
            return
        for k, v in node.items():
            yield from sourced_values(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from sourced_values(v, f"{where}[{i}]")


@pytest.mark.parametrize("path", data_files(), ids=lambda p: p.name)
def test_every_value_has_a_source_and_year_or_is_an_assumption(path):
    data = raw(path)
    assert numbers_outside_sources(data) == []
    for where, node in sourced_values(data):
        assumption = str(node.get("assumption", "")).strip()
        source, year = str(node.get("source", "")).strip(), str(node.get("year", "")).strip()
        assert assumption or (source and re.search(r"(19|20)\d\d", year)), f"{path.name}{where}: {node}"


def source_keys() -> set[str]:
    return set(re.findall(r"^\| ([A-Z]\d+) \|", SOURCES_MD.read_text(encoding="utf-8"), flags=re.MULTILINE))


def test_cited_keys_exist_in_docs_sources():
    keys = source_keys()
    assert {"S4", "K2", "K4", "C2", "C3", "W5"} <= keys
    texts = {p.name: p.read_text(encoding="utf-8") for p in [*data_files(), *PRESET_DIR.glob("*.yaml")]}
    for name, text in texts.items():
        cited = set(re.findall(r"\[([A-Z]\d+)\]", text))
        assert cited <= keys, f"{name} cites {sorted(cited - keys)}, not in docs/sources.md"


def test_nothing_in_src_points_outside_the_repository():
    outside = f"{REPO.parent}/"  # the folder the clone lies in, wherever that is on this machine
    offenders = [
        f"{p.relative_to(REPO)}:{i}"
        for p in (REPO / "src").rglob("*")
        if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".html", ".md")
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "CITIES.md" in line or outside in line or "shared/reference" in line
    ]
    assert offenders == []


# --------------------------------------------------------------------------- broken files


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD_FACTOR = "XX:\n  value: 0.5\n  year: 2024\n  source: '[K4] somewhere'\n"


@pytest.mark.parametrize(
    "load, name, text, message",
    [
        (
            catalog.grid_factors,
            "grid_factors.yaml",
            "XX:\n  value: 0.5\n  year: 2024\n",
            r"grid_factors\.yaml: XX: a value needs a 'source' \(with its 'year'\) or an 'assumption'",
        ),
        (
            catalog.grid_factors,
            "grid_factors.yaml",
            "XX:\n  value: 0.5\n  source: a report\n",
            r"grid_factors\.yaml: XX: source 'a report' has no 'year'",
        ),
        (
            catalog.grid_factors,
            "grid_factors.yaml",
            "XX:\n  value: -0.5\n  assumption: why not\n",
            r"grid_factors\.yaml: XX\.value: must be a number ≥ 0",
        ),
        (
            catalog.economics_defaults,
            "costs.yaml",
            "JP:\n  currency: JPY\n  discount_rate: 0.03\n",
            r"costs\.yaml: JP\.discount_rate: the number 0\.03 has no source",
        ),
        (
            catalog.economics_defaults,
            "costs.yaml",
            "JP:\n  currency: JPY\n  discount_rate: {value: 0.03, assumption: a guess, sauce: x}\n",
            r"costs\.yaml: JP\.discount_rate: unknown key\(s\) \['sauce'\] beside 'value'",
        ),
        (
            catalog.economics_defaults,
            "costs.yaml",
            "JP:\n  currency: JPY\n  discount_rate: {value: 0.03, assumption: a guess}\n",
            r"costs\.yaml: JP\.lifetime_years: Field required",
        ),
        (
            catalog.tariffs,
            "tariffs_xx.yaml",
            (
                "tariffs:\n  t1:\n    currency: JPY\n    energy:\n"
                "      tier_limits_kwh: {value: [100], assumption: x}\n      prices_per_kwh: {value: [1.0], assumption: x}\n"
            ),
            r"tariffs_xx\.yaml: tariffs\.t1\.energy: prices_per_kwh needs 2 prices \(one per tier\), got 1",
        ),
        (
            catalog.tariffs,
            "tariffs_xx.yaml",
            "tariffs:\n  t1:\n    currency: JPY\n    energy: {prices_per_kwh: {value: [1.0], assumption: x}}\n    colour: red\n",
            r"tariffs_xx\.yaml: tariffs\.t1\.colour: unknown field",
        ),
        (
            catalog.climatologies,
            "climatologies.yaml",
            (
                "here:\n  name: Here\n  latitude: {value: 1.0, assumption: x}\n  longitude: {value: 2.0, assumption: x}\n"
                "  ghi_kwh_per_m2_day: {value: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], source: '[C1] x', year: 2025}\n"
                "  temp_air_c: {value: [27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27, 27], source: '[W3] x', year: 2020}\n"
                "  temp_range_c: {value: 8, assumption: x}\n"
            ),
            r"climatologies\.yaml: here: climatology here: ghi_kwh_per_m2_day needs 12 monthly values, got 11",
        ),
        (
            catalog.archetypes,
            "load_archetypes.yaml",
            "a1:\n  description: x\n  wattage: {value: 1.0, assumption: x}\n",
            r"load_archetypes\.yaml: a1: .*unexpected keyword argument 'wattage'",
        ),
        (
            catalog.grid_factors,
            "grid_factors.yaml",
            GOOD_FACTOR + "YY: [0.5,\n",
            r"grid_factors\.yaml: line \d+, column \d+: malformed YAML",
        ),
        (catalog.grid_factors, "grid_factors.yaml", "- 0.5\n", r"grid_factors\.yaml: a catalog file must be a YAML mapping"),
    ],
)
def test_a_broken_file_names_the_file_and_key(tmp_path, load, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(InputError, match=message) as info:
        load(path)
    assert str(path) in str(info.value)


def test_a_good_file_given_as_argument_loads(tmp_path):
    factors = catalog.grid_factors(write(tmp_path, "grid_factors.yaml", GOOD_FACTOR))
    assert factors["XX"].kg_per_kwh == 0.5 and factors["XX"].year == "2024" and factors["XX"].source == "[K4] somewhere"
    assert "XX" not in GRID_FACTORS  # the package's table is untouched


def test_a_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"nowhere\.yaml: cannot read catalog file"):
        catalog.grid_factors(tmp_path / "nowhere.yaml")


KEYS = st.text(alphabet="abcdefgh_", min_size=1, max_size=6).filter(lambda k: k != "value" and not k.startswith("_"))


@settings(max_examples=60, deadline=None)
@given(
    tree=st.recursive(
        st.text(max_size=5) | st.booleans() | st.none(),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
        max_leaves=12,
    ),
    path=st.lists(KEYS, min_size=1, max_size=4),
    number=st.floats(allow_nan=False, allow_infinity=False) | st.integers(),
)
def test_an_unsourced_number_anywhere_is_reported_at_its_key(tree, path, number):
    # plant a bare number at a random key path of a random record: the error names exactly that path
    record = {"r": tree if isinstance(tree, dict) else {}}
    node = record
    for key in ["r", *path[:-1]]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[path[-1]] = number
    where = ".".join(["r", *path])
    with pytest.raises(InputError, match=rf"^data\.yaml: {re.escape(where)}: the number .* has no source"):
        catalog.unwrap(record["r"], "data.yaml", "r")
    # the same number as a sourced value passes and unwraps to itself
    node[path[-1]] = {"value": number, "assumption": "test"}
    plain = catalog.unwrap(record["r"], "data.yaml", "r")
    for key in path:
        plain = plain[key]
    assert plain == number


# --------------------------------------------------------------------------- presets agree with the catalog


PRESETS = list_presets()


@pytest.mark.parametrize("name", PRESETS)
def test_preset_values_equal_the_catalog(name):
    sc = load_scenario(name)
    fresh_climates = catalog.climatologies(DATA / "climatologies.yaml")
    if sc.weather.source == "synthetic":
        clim = weather.climatology_for(sc.site, sc.weather.climate)
        assert clim == fresh_climates[clim.key]
    fresh_archetypes = catalog.archetypes(DATA / "load_archetypes.yaml")
    for group in sc.homes:
        if group.load.archetype is not None:
            assert loads.get_archetype(group.load.archetype) == fresh_archetypes[group.load.archetype]
    country = sc.site.country.upper()
    assert default_economics(country) == catalog.economics_defaults(DATA / "costs.yaml")[country]
    # the grid factor is one of the catalog's factors of the site's country
    ef = sc.grid.emission_factor_kg_per_kwh
    mine = {key: f.kg_per_kwh for key, f in GRID_FACTORS.items() if key.split("-")[0] == country}
    assert ef in mine.values(), f"{name}: emission factor {ef} is none of the catalog's {country} factors {mine}"
    # a named tariff is the catalog's, with the named export scheme
    spec = raw(PRESET_DIR / f"{name}.yaml")["grid"].get("tariff")
    if isinstance(spec, dict) and "preset" in spec:
        expected = TARIFFS[spec["preset"]]
        for field in ("currency", "energy", "surcharges", "fixed", "rebates"):
            assert getattr(sc.grid.tariff, field) == getattr(expected, field), field
        if isinstance(spec.get("export"), str):
            assert sc.grid.tariff.export == EXPORT_SCHEMES[spec["export"]]


def test_sarawak_has_one_factor():
    sarawak = GRID_FACTORS["MY-sarawak"]
    assert load_scenario("kuching-north").grid.emission_factor_kg_per_kwh == sarawak.kg_per_kwh == 0.21
    assert sarawak.year == "2020" and "[C2]" in sarawak.source and "[C3]" in sarawak.source
    text = (PRESET_DIR / "kuching-north.yaml").read_text(encoding="utf-8")
    assert "0.22" not in text


def test_tnb_eei_stays_importable():
    from zerodistrict.scenario import tariff

    assert tariff.TNB_EEI == TARIFFS["tnb-domestic-2025"].rebates[0]
    with pytest.raises(AttributeError, match="NO_SUCH_THING"):
        tariff.NO_SUCH_THING  # noqa: B018


# --------------------------------------------------------------------------- dated tariff facts (issue 11)


def _sourced(node: dict, *keys: str) -> None:
    """The sourced value has a source citing every key and a year, and is not an assumption."""
    assert catalog.is_sourced(node) and node.get("year"), node
    for key in keys:
        assert f"[{key}]" in node["source"], (key, node)


def test_new_tariff_facts_have_sources_and_years():
    jp, my = raw(DATA / "tariffs_jp.yaml"), raw(DATA / "tariffs_my.yaml")
    levy = jp["_tepco"]["surcharges"][0]
    rates = {r["first_month"]: r["price_per_kwh"] for r in levy["by_month"]}
    assert {m: r["value"] for m, r in rates.items()} == {"2022-05": 3.45, "2023-05": 1.40, "2024-05": 3.49, "2025-05": 3.98}
    for node in rates.values():
        _sourced(node, "S7")
    # months no dated rate covers pay the FY2025 rate: said to be an assumption
    assert levy["price_per_kwh"]["value"] == 3.98 and levy["price_per_kwh"]["assumption"]
    fit = jp["export_schemes"]["jp-fit-2025h2"]
    _sourced(fit["by_year"], "S13")
    assert fit["by_year"]["value"] == [{"first_year": 1, "last_year": 4, "price_per_kwh": 24.0},
                                       {"first_year": 5, "last_year": 10, "price_per_kwh": 8.3}]
    _sourced(fit["price_per_kwh"], "S9")
    assert fit["price_per_kwh"]["value"] == 8.5
    atap = my["export_schemes"]["my-solar-atap-2026"]
    _sourced(atap["credit_years"], "K3")
    assert atap["credit_years"]["value"] == 10
    tou = my["tariffs"]["tnb-tou-2025"]["energy"]
    for node in (tou["prices_per_kwh"], tou["time_of_use"][0]["prices_per_kwh"]):
        _sourced(node, "K2", "K9")
        assert "assumption" not in node
    assert tou["prices_per_kwh"]["value"] == [0.2443, 0.3443]
    assert tou["time_of_use"][0]["prices_per_kwh"]["value"] == [0.2852, 0.3852]
    # the loaded models carry them
    assert EXPORT_SCHEMES["my-solar-atap-2026"].credit_years == 10
    assert TARIFFS["tepco-juryo-dento-b-2023"].surcharges[0].by_month[2].price_per_kwh == 3.49


# --------------------------------------------------------------------------- data checked against sources (issue 16)


#: preset → the grid whose average (location-based) factor its CO2 accounting uses
PRESET_GRIDS = {"saitama-misono": "JP", "saitama-omiya-trial": "JP", "kuala-lumpur-wangsa-maju": "MY-peninsular",
                "penang-george-town": "MY-peninsular", "kuching-north": "MY-sarawak"}


def test_average_and_marginal_factors_are_named_apart():
    marginal = {k for k in GRID_FACTORS if k.endswith("-marginal")}
    assert marginal == {"MY-peninsular-marginal"}
    for key in marginal:
        average = GRID_FACTORS[key.removesuffix("-marginal")]
        assert GRID_FACTORS[key].kg_per_kwh > average.kg_per_kwh  # coal/gas at the margin, hydro/RE in the mix
        assert "avoided" in GRID_FACTORS[key].note and "average" in average.note
    peninsular = GRID_FACTORS["MY-peninsular"]
    assert peninsular.kg_per_kwh == 0.64 and peninsular.year == "2021" and "[K10]" in peninsular.source
    assert GRID_FACTORS["MY-peninsular-marginal"].kg_per_kwh == 0.78 and "[K4]" in GRID_FACTORS["MY-peninsular-marginal"].source


@pytest.mark.parametrize("name", sorted(PRESET_GRIDS))
def test_presets_account_co2_with_the_average_factor(name):
    assert name in PRESETS
    assert load_scenario(name).grid.emission_factor_kg_per_kwh == GRID_FACTORS[PRESET_GRIDS[name]].kg_per_kwh


def test_battery_costs_and_sarawak_price_are_sourced():
    costs = raw(DATA / "costs.yaml")
    _sourced(costs["JP"]["battery_per_kwh"], "S14")
    assert costs["JP"]["battery_per_kwh"]["value"] == 111000.0 and costs["JP"]["battery_per_kwh"]["year"] == "FY2023"
    assert "assumption" in costs["MY"]["battery_per_kwh"]  # still no Malaysian source: said so
    text = (PRESET_DIR / "kuching-north.yaml").read_text(encoding="utf-8")
    assert load_scenario("kuching-north").grid.import_price == 0.298
    assert re.search(r"import_price: 0\.298 .*\[C5\]", text)
