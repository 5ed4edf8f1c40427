"""GPC categories of a run: residential grid electricity (scope 2, location-based) and on-road transport avoided."""

import numpy as np
import pytest

from zerodistrict.analysis.gpc import ON_ROAD_FUEL, RESIDENTIAL_GRID, run_gpc_rows
from zerodistrict.pipeline import run
from zerodistrict.report import get_language, report_html
from zerodistrict.scenario import load_scenario


@pytest.fixture(scope="module")
def week_with_mobility():
    scenario = load_scenario("kuala-lumpur-wangsa-maju")
    period = scenario.period.model_copy(update={"days": 7})
    return run(scenario.model_copy(update={"period": period}), resilience_hours=None)


def test_run_rows_are_location_based_grid_co2_and_mobility(week_with_mobility):
    result = week_with_mobility
    rows = run_gpc_rows(result.kpis)
    assert [r.sector for r in rows] == [RESIDENTIAL_GRID, ON_ROAD_FUEL]
    # location-based: every kWh imported at the grid's average factor (0.64 kg/kWh in this preset), exports not credited
    imported_kwh = result.timeseries["grid_import_kw"].sum() * result.inputs.step_hours
    assert rows[0].with_kg == pytest.approx(imported_kwh * 0.64, rel=1e-9)
    assert rows[0].sector.scope == 2 and rows[0].sector.reference == "I.1.2"
    assert rows[0].with_kg < rows[0].without_kg and rows[0].change_kg < 0
    assert rows[1].sector.scope == 1 and rows[1].change_kg == pytest.approx(-result.kpis.mobility_co2_avoided_kg)


@pytest.mark.parametrize("lang, words", [("en", "location-based"), ("ja", "ロケーション基準"), ("ms", "berasaskan lokasi")])
def test_run_report_has_the_gpc_table(week_with_mobility, lang, words):
    page = report_html([week_with_mobility], get_language(lang))
    table = page[page.index('<table class="compare gpc">'):]
    table = table[: table.index("</table>")]
    assert "I.1.2" in table and "II.1.1" in table
    assert words in page
    expected = get_language(lang).number(week_with_mobility.kpis.co2_kg / 1000.0, 1)
    assert expected in table


def test_no_mobility_no_transport_row():
    scenario = load_scenario("penang-george-town")
    period = scenario.period.model_copy(update={"days": 3})
    result = run(scenario.model_copy(update={"period": period, "mobility": None}), resilience_hours=None)
    rows = run_gpc_rows(result.kpis)
    assert [r.sector.reference for r in rows] == ["I.1.2"]
    assert np.isclose(rows[0].without_kg, result.kpis.co2_baseline_kg)
