"""The HTML/PNG report, its translations and the side-by-side comparison.

Two preset runs (Misono, Kuala Lumpur) are made once per module; hand-checkable
cases overwrite their KPIs with round numbers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zerodistrict.errors import InputError
from zerodistrict.report import (
    compare_results,
    comparison_cells,
    comparison_rows,
    explain_differences,
    get_language,
    report_html,
    write_report,
)
from zerodistrict.report.language import I18N_DIR, LANGUAGES, placeholders
from zerodistrict.report.summaries import (
    Season,
    monthly_energy_kwh,
    seasons_for,
    soc_day_hour_ratio,
    stationary_capacity_kwh,
    survival_curves,
    typical_day_kw,
)
from zerodistrict.analysis.resilience import ResilienceResult
from zerodistrict.scenario import Period, load_scenario
from zerodistrict.pipeline import run

SECTION_KEYS = ("section.summary", "section.monthly", "section.typical_days", "section.soc", "section.homes",
                "section.resilience", "section.mobility")
COMPARE_KEYS = ("section.compare", "section.compare_explained", "section.compare_charts")


@pytest.fixture(scope="module")
def misono():
    return run(load_scenario("saitama-misono"))


@pytest.fixture(scope="module")
def kl():
    return run(load_scenario("kuala-lumpur-wangsa-maju"))


@pytest.fixture(scope="module")
def compare_html(misono, kl):
    return {lang: report_html([misono, kl], get_language(lang)) for lang in LANGUAGES}


def _without_analyses(result):
    """The same run as if resilience and mobility had not been analysed."""
    kpis = result.kpis.model_copy(update={k: None for k in type(result.kpis).model_fields
                                          if k.startswith(("mobility_", "critical_survival"))})
    return dataclasses.replace(result, kpis=kpis, resilience=None, mobility=None)


def _with_kpis(result, **update):
    return dataclasses.replace(result, kpis=result.kpis.model_copy(update=update))


class _Tags(HTMLParser):
    """Tags and attributes outside script/style text (which HTMLParser does not parse as markup)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.styles: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in = tag

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in in ("h1", "h2", "h3"):
            self.headings.append(data)
        elif self._in == "style":
            self.styles.append(data)


def _parse(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    return parser


# --------------------------------------------------------------------------- translations


def test_languages_have_identical_keys_and_placeholders():
    files = {lang: json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGUAGES}
    keys = set(files["en"])
    for lang, strings in files.items():
        assert set(strings) == keys, f"{lang}: {sorted(set(strings) ^ keys)}"
        for key in keys:
            assert placeholders(strings[key]) == placeholders(files["en"][key]), f"{lang}:{key}"
            assert strings[key] or key == "format.myriad", f"{lang}:{key} is empty"


def test_japanese_and_malay_use_planner_terms():
    ja, ms = get_language("ja"), get_language("ms")
    assert ja.text("card.self_sufficiency") == "自給率"
    assert ja.text("card.self_consumption") == "自家消費率"
    assert ja.text("row.co2_reduction_ratio").startswith("CO2削減率")
    assert ms.text("card.self_sufficiency") == "Kadar sara diri"
    assert ms.text("row.co2_reduction_ratio").startswith("Pengurangan CO2")


def test_unknown_language_is_an_input_error(misono, tmp_path):
    with pytest.raises(InputError, match=r"--lang: 'fr' is not one of en, ja, ms"):
        write_report([misono], tmp_path / "r.html", lang="fr")
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(("lang", "value", "expected"), [
    ("en", 3_728_937.07, "¥3,728,937"),
    ("ja", 3_728_937.07, "372.9万円"),
    ("ja", 99_302_200.0, "9,930万円"),
    ("ja", 73_170.0, "73,170円"),
    ("ms", -90.279, "−RM90.28"),
    ("en", -0.001, "RM0.00"),
])
def test_money_follows_the_language(lang, value, expected):
    currency = "JPY" if "¥" in expected or "円" in expected else "MYR"
    assert get_language(lang).money(value, currency) == expected


def test_numbers_and_percentages():
    en, ja, ms = (get_language(x) for x in LANGUAGES)
    assert en.number(-1234.56, 1) == "−1,234.6"
    assert en.percent(0.4559) == "46%"
    assert ja.points(-0.2075) == "21ポイント"
    assert ms.points(0.2075) == "21 mata peratusan"
    assert ja.quantity(9.0, "unit.hours") == "9時間"
    assert ms.month_span((11, 12, 1, 2, 3)) == "Nov–Mac"
    assert en.number(float("nan")) == "—"


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=3))
def test_formatted_numbers_read_back(value, decimals):
    text = get_language("en").number(value, decimals)
    assert float(text.replace(",", "").replace("\u2212", "-")) == pytest.approx(round(value, decimals), abs=1e-9)


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_section_heading_in_the_chosen_language(compare_html, lang):
    text = compare_html[lang]
    words = get_language(lang)
    headings = _parse(text).headings
    assert f'<html lang="{lang}">' in text
    for key in SECTION_KEYS:
        # one per scenario (both presets run a calendar year)
        assert headings.count(words.text(key, period=words.text("period.year"))) == 2, key
    for key in COMPARE_KEYS:
        assert headings.count(words.text(key)) == 1, key
    if lang != "en":
        english = get_language("en")
        assert not any(english.text(k) in headings for k in SECTION_KEYS + COMPARE_KEYS)


def test_no_external_references(compare_html):
    for text in compare_html.values():
        page = _parse(text)
        names = [tag for tag, _ in page.tags]
        assert "link" not in names and "img" not in names and "iframe" not in names
        for tag, attrs in page.tags:
            for attr in ("src", "href", "srcset", "data", "poster", "action"):
                assert attr not in attrs or attrs[attr].startswith("#"), (tag, attrs)
        assert not any(re.search(r"url\(|@import", css) for css in page.styles)
        # plotly.js is inline, once; every chart div is drawn by it
        scripts = [attrs for tag, attrs in page.tags if tag == "script"]
        assert all("src" not in s for s in scripts)
        assert text.count("Plotly.newPlot(") == text.count('class="plotly-graph-div"') == 2 + 2 * 6


def test_sections_present_with_analyses_say_not_analysed_without(misono):
    en = get_language("en")
    full = report_html([misono], en)
    bare = report_html([_without_analyses(misono)], en)
    assert en.text("report.not_analysed") not in full
    assert en.text("card.survival") in full and en.text("card.trips") in full
    assert en.text("series.shared_critical") in full  # survival curves
    assert bare.count(en.text("report.not_analysed")) == 2  # resilience and mobility
    assert en.text("card.survival") not in bare and en.text("card.trips") not in bare
    assert bare.count('class="plotly-graph-div"') == full.count('class="plotly-graph-div"') - 2


def test_district_without_battery_and_a_short_period():
    sc = load_scenario("saitama-misono")
    sc = sc.model_copy(update={"period": Period(year=2025, start=dt.date(2025, 4, 1), days=14),
                               "community": sc.community.model_copy(update={"batteries": []})})
    result = run(sc)
    en = get_language("en")
    text = report_html([result], en)
    assert en.text("note.no_battery") in text
    assert "Whole period (Apr)" in text  # April is in neither summer nor winter
    # monthly, typical days, homes, survival, stations: no heat map
    assert text.count('class="plotly-graph-div"') == 5


def test_summary_cards_show_the_kpis(misono):
    ja = get_language("ja")
    text = report_html([misono], ja)
    k = misono.kpis
    assert ja.percent(k.self_sufficiency_ratio) in text
    assert ja.percent(k.co2_reduction_ratio) in text
    assert ja.money(k.net_energy_cost, "JPY") in text
    stats = misono.resilience.to_json_dict()
    assert ja.quantity(stats["shared"]["critical_survival_hours_p50"], "unit.hours") in text


def test_monsoon_seasons_for_kuala_lumpur(kl):
    text = report_html([kl], get_language("ms"))
    # chart titles sit in plotly's JSON, where a JSON encoder may escape the dash (json) or not (orjson)
    for title in ("Monsun Timur Laut, lebih basah (Nov–Mac)", "Monsun Barat Daya, lebih kering (Jun–Ogo)"):
        assert title in text or json.dumps(title)[1:-1] in text
    assert "Jabatan Meteorologi Malaysia" in text


def test_write_report_writes_pngs(misono, tmp_path):
    path = write_report([misono], tmp_path / "report.html", lang="en", png_dir=tmp_path / "png")
    assert path == tmp_path / "report.html" and path.stat().st_size > 1_000_000
    names = sorted(p.name for p in (tmp_path / "png").iterdir())
    assert names == [f"saitama-misono-{n}.png" for n in ("monthly-balance", "soc-heatmap", "survival", "typical-days")]
    for p in (tmp_path / "png").iterdir():
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 10_000
    assert list(tmp_path.glob(".report-*")) == []


# --------------------------------------------------------------------------- comparison


@pytest.fixture(scope="module")
def round_pair(misono, kl):
    """Two runs with round KPIs: A 50 homes / 200 kWp, B 40 homes / 200 kWp."""
    a = _with_kpis(misono, n_homes=50, pv_kwp=200.0, pv_generation_kwh=240_000.0, load_kwh=190_000.0,
                   ev_charge_kwh=10_000.0, grid_import_kwh=70_000.0, grid_export_kwh=0.0, curtailed_kwh=60_000.0,
                   self_sufficiency_ratio=0.65, self_consumption_ratio=0.60, co2_kg=30_000.0,
                   co2_baseline_kg=90_000.0, co2_reduction_ratio=2 / 3, net_energy_cost=3_000_000.0,
                   net_energy_cost_baseline=10_000_000.0, capex=100_000_000.0, payback_years=20.0)
    b = _with_kpis(kl, n_homes=40, pv_kwp=200.0, pv_generation_kwh=220_000.0, load_kwh=200_000.0,
                   ev_charge_kwh=0.0, grid_import_kwh=108_000.0, grid_export_kwh=110_000.0, curtailed_kwh=0.0,
                   self_sufficiency_ratio=0.46, self_consumption_ratio=0.50, co2_kg=90_000.0,
                   co2_baseline_kg=160_000.0, co2_reduction_ratio=0.4375, net_energy_cost=4_000.0,
                   net_energy_cost_baseline=64_000.0, capex=1_200_000.0, payback_years=None)
    return a, b


def test_compare_normalisations_by_hand(round_pair):
    a, b = round_pair
    table = compare_results([a, b])
    assert list(table.index) == ["saitama-misono", "kuala-lumpur-wangsa-maju"]
    ra, rb = table.loc["saitama-misono"], table.loc["kuala-lumpur-wangsa-maju"]
    assert ra["pv_kwp_per_home"] == 4.0 and rb["pv_kwp_per_home"] == 5.0
    assert ra["demand_kwh_per_home"] == 4_000.0 and rb["demand_kwh_per_home"] == 5_000.0
    assert ra["pv_generation_kwh_per_home"] == 4_800.0 and rb["pv_generation_kwh_per_home"] == 5_500.0
    assert ra["pv_specific_yield_kwh_per_kwp"] == 1_200.0 and rb["pv_specific_yield_kwh_per_kwp"] == 1_100.0
    assert ra["pv_to_demand_kwh_per_kwh"] == 1.2 and rb["pv_to_demand_kwh_per_kwh"] == 1.1
    assert ra["grid_import_kwh_per_home"] == 1_400.0 and rb["grid_import_kwh_per_home"] == 2_700.0
    assert ra["curtailed_kwh_per_kwp"] == 300.0 and rb["grid_export_kwh_per_kwp"] == 550.0
    assert ra["curtailed_share_of_pv_ratio"] == 0.25 and rb["export_share_of_pv_ratio"] == 0.5
    assert ra["co2_kg_per_home"] == 600.0 and rb["co2_kg_per_home"] == 2_250.0
    assert ra["net_energy_cost_per_home"] == 60_000.0 and rb["net_energy_cost_per_home"] == 100.0
    assert ra["net_energy_cost_to_baseline_ratio"] == 0.3 and rb["net_energy_cost_to_baseline_ratio"] == 0.0625
    assert ra["capex_per_kwp"] == 500_000.0 and rb["capex_per_kwp"] == 6_000.0
    assert ra["payback_years"] == 20.0 and np.isnan(rb["payback_years"])
    assert ra["battery_kwh_per_home"] == stationary_capacity_kwh(a) / 50
    assert list(table["currency"]) == ["JPY", "MYR"]


def test_comparison_cells_are_translated_and_formatted(round_pair):
    rows = dict(comparison_cells(compare_results(list(round_pair)), get_language("ja")))
    assert rows["太陽光1kWあたり発電量 [kWh/kW]"] == ["1,200", "1,100"]
    assert rows["1戸あたり正味エネルギー費用"] == ["60,000円", "100リンギット"]
    assert rows["太陽光1kWあたり初期費用（全設備）"] == ["50万円", "6,000リンギット"]
    assert rows["単純投資回収年数 [年]"] == ["20.0", "—"]
    assert rows["自給率"] == ["65%", "46%"]


def test_compare_labels_repeated_scenarios(misono):
    assert list(compare_results([misono, misono]).index) == ["saitama-misono", "saitama-misono (2)"]


def test_comparison_rows_give_every_row_a_unit(round_pair):
    table = compare_results(list(round_pair))
    for lang_name in LANGUAGES:
        lang = get_language(lang_name)
        rows = comparison_rows(table, lang)
        assert [cells for _, _, cells in rows] == [cells for _, cells in comparison_cells(table, lang)]
        assert all(unit for _, unit, _ in rows), rows
        assert not any(label.endswith("]") for label, _, _ in rows)  # the unit moved to its own column
    ja = {label: unit for label, unit, _ in comparison_rows(table, get_language("ja"))}
    assert ja["太陽光1kWあたり発電量"] == "kWh/kW" and ja["単純投資回収年数"] == "年" and ja["自給率"] == "%"
    assert ja["1戸あたり正味エネルギー費用"] == "JPY / MYR"  # each cell carries its own currency
    assert ja["太陽光1kWあたり初期費用（全設備）"] == "JPY/kW / MYR/kW" and ja["戸数"] == "戸"
    en = {label: unit for label, unit, _ in comparison_rows(table.iloc[:1], get_language("en"))}
    assert en["Net energy cost per home"] == "JPY" and en["Capital cost of all assets per kWp of PV"] == "JPY/kWp"


def test_the_report_labels_compare_columns_by_scenario(misono):
    """Two designs at one site: the table, the sentences' headings and the chart series are told apart."""
    other = _with_kpis(misono, scenario="misono-bigger-pv", pv_kwp=300.0)
    html = report_html([misono, other], get_language("en"))
    assert "<th>Indicator</th><th>Unit</th><th>saitama-misono</th><th>misono-bigger-pv</th>" in html
    assert "misono-bigger-pv compared with saitama-misono" in html
    assert '"name":"misono-bigger-pv"' in html.replace(" ", "")
    sentences = explain_differences(compare_results([misono, other]), get_language("en"))[0]
    assert sentences[0].startswith("In misono-bigger-pv, each kWp") and "than in saitama-misono" in sentences[0]


def test_sentences_carry_the_right_numbers(round_pair):
    a, b = round_pair
    table = compare_results([b, a])  # reference: Kuala Lumpur; A (Misono) is explained against it
    en = explain_differences(table, get_language("en"))[0]
    assert en[0] == ("In Urawa-Misono, Saitama City, each kWp of PV generates 1,200 kWh/kWp over the period, "
                     "9% more than in Wangsa Maju, Kuala Lumpur (1,100 kWh/kWp).")
    assert "cover 65% of their demand without the grid" in en[1] and "19 points more than" in en[1]
    assert "(46%)" in en[1]
    assert "600 kg CO2" in en[4] and "73% less than" in en[4] and "(2,250 kg CO2)" in en[4]
    assert "by 67% in Urawa-Misono" in en[4] and "by 44% in Wangsa Maju" in en[4]
    assert "¥60,000" in en[5] and "RM100" in en[5] and "not converted" in en[5]
    assert en[6].startswith("That is 30% of what") and "against 6% in" in en[6]
    ja = explain_differences(table, get_language("ja"))[0]
    assert "19ポイント高く" in ja[1]
    assert "60,000円" in ja[5] and "100リンギット" in ja[5]
    same_currency = compare_results([a, _with_kpis(a, net_energy_cost=2_500_000.0, self_sufficiency_ratio=0.652)])
    ms = explain_differences(same_currency, get_language("ms"))[0]
    assert "hampir sama dengan" in ms[1]
    assert "¥10,000 lebih rendah daripada" in ms[5] and "¥50,000" in ms[5]


# --------------------------------------------------------------------------- chart data


def test_monthly_balance_sums_to_the_kpis(misono):
    monthly = monthly_energy_kwh(misono.timeseries, misono.inputs.step_hours)
    k = misono.kpis
    assert list(monthly.index) == list(range(1, 13))
    assert monthly["pv_kwh"].sum() == pytest.approx(k.pv_generation_kwh)
    assert monthly["demand_kwh"].sum() == pytest.approx(k.load_kwh + k.ev_charge_kwh)
    assert monthly["curtailed_kwh"].sum() == pytest.approx(k.curtailed_kwh)


def test_typical_day_supply_equals_demand(kl):
    for season in seasons_for(3.2, "MY", pd.Series(1.0, index=range(1, 13))):
        profile = typical_day_kw(kl.timeseries, season.months)
        assert len(profile) == 24
        supply = profile[["pv_kw", "battery_discharge_kw", "grid_import_kw", "unserved_kw"]].sum(axis=1)
        demand = profile[["load_kw", "ev_charge_kw", "battery_charge_kw", "grid_export_kw", "curtailed_kw"]].sum(axis=1)
        np.testing.assert_allclose(supply, demand, atol=1e-6)


def test_soc_heat_map_is_day_by_hour(misono):
    table = soc_day_hour_ratio(misono.timeseries, stationary_capacity_kwh(misono))
    assert table.shape == (365, 24)
    assert np.nanmin(table.to_numpy()) >= 0.0 and np.nanmax(table.to_numpy()) <= 1.0 + 1e-9


months = pd.Series([1.0, 2.0, 9.0, 8.0, 7.0, 3.0, 4.0, 5.0, 6.0, 10.0, 11.0, 12.0], index=range(1, 13))


@pytest.mark.parametrize(("lat", "country", "series", "expected"), [
    (35.9, "JP", months, [Season("season.summer", (6, 7, 8)), Season("season.winter", (12, 1, 2))]),
    (-33.9, "AU", months, [Season("season.summer", (12, 1, 2)), Season("season.winter", (6, 7, 8))]),
    (3.2, "MY", months, [Season("season.ne_monsoon", (11, 12, 1, 2, 3)), Season("season.sw_monsoon", (6, 7, 8))]),
    (-6.2, "ID", months, [Season("season.sunniest", (10, 11, 12)), Season("season.cloudiest", (1, 2, 6))]),
    (35.9, "JP", months.loc[[1]], [Season("season.winter", (1,))]),
    (3.2, "MY", months.loc[[7]], [Season("season.sw_monsoon", (7,))]),
    (35.9, "JP", months.loc[[4, 5]], [Season("season.whole", (4, 5))]),
])
def test_seasons(lat, country, series, expected):
    assert seasons_for(lat, country, series) == expected


def test_survival_curve_by_hand(misono):
    hours = np.array([0.0, 1.0, 2.0, 3.0])
    res = ResilienceResult(index=misono.timeseries.index[:4], step_hours=1.0, max_hours=3.0,
                           critical_load_ratio_mean=0.5, shared_critical_hours=hours, shared_full_hours=hours / 3,
                           alone_critical_hours=np.zeros(4), alone_full_hours=np.zeros(4),
                           alone_mean_home_critical_hours=np.zeros(4), alone_mean_home_full_hours=np.zeros(4))
    curves = survival_curves(res)
    assert list(curves.index) == [0.0, 1.0, 2.0, 3.0]
    assert list(curves["shared_critical"]) == [1.0, 0.75, 0.5, 0.25]
    assert list(curves["shared_full"]) == [1.0, 0.25, 0.0, 0.0]
    assert list(curves["alone_critical"]) == [1.0, 0.0, 0.0, 0.0]


def test_report_of_one_preset_is_fast(misono, tmp_path):
    import time

    start = time.perf_counter()
    write_report([misono], tmp_path / "r.html", lang="ja")
    assert time.perf_counter() - start < 5.0
    assert Path(tmp_path / "r.html").read_text(encoding="utf-8").count("自給率") >= 2



def test_a_negative_co2_reduction_shows_as_an_increase(misono, kl):
    """A design that emits more than its baseline: the card says "more", the table and sentences keep the minus."""
    worse = dataclasses.replace(misono, kpis=misono.kpis.model_copy(update={"co2_reduction_ratio": -0.13}))
    for lang_name in LANGUAGES:
        lang = get_language(lang_name)
        baseline = lang.quantity(worse.kpis.co2_baseline_kg / 1000.0, "unit.t_co2", 1)
        assert lang.text("card.co2_note_more", increase="13%", baseline=baseline) in report_html([worse], lang)
        table = compare_results([worse, kl])
        cells = dict(comparison_cells(table, lang))[lang.text("row.co2_reduction_ratio")]
        assert cells[0] == "\u221213%"
        assert any("\u221213%" in sentence for sentence in explain_differences(table, lang)[0])


def test_a_short_run_says_its_period_and_that_economics_are_annualised():
    sc = load_scenario("saitama-misono")
    sc = sc.model_copy(update={"period": Period(year=2025, start=dt.date(2025, 3, 1), days=14)})
    short = run(sc, resilience_hours=None)
    for code, heading, warning in [
        ("en", "Summary over 14 days from 2025-03-01", "annualised from 14 days"),
        ("ja", "概要（2025-03-01から14日間）", "14日間の電気料金を1年分に換算"),
        ("ms", "Ringkasan sepanjang 14 hari dari 2025-03-01", "disetahunkan daripada 14 hari"),
    ]:
        lang = get_language(code)
        text = report_html([short], lang)
        assert heading in _parse(text).headings
        assert warning in text
        assert lang.text("note.prorata", months="2025-03") in text
        assert not any(lang.text("period.year") in h for h in _parse(text).headings)


def test_a_calendar_year_says_over_the_year_without_annualising(misono):
    en = get_language("en")
    text = report_html([misono], en)
    assert "Summary over the year" in _parse(text).headings
    assert "annualised" not in text and "pro rata" not in text
    assert "Bill over the year" in text
