"""Presets with homes as buildings: the retrofit variant stays in step, the report explains its cooling."""

from __future__ import annotations

import math
import re

import pytest
import yaml

from zerodistrict.scenario import dump_scenario, load_scenario, scenario_from_dict

BASE, RETROFIT = "kuala-lumpur-wangsa-maju", "kuala-lumpur-wangsa-maju-retrofit"


def test_retrofit_preset_differs_from_its_base_only_in_the_envelope():
    base = yaml.safe_load(dump_scenario(load_scenario(BASE)))
    retro = yaml.safe_load(dump_scenario(load_scenario(RETROFIT)))
    assert retro["homes"][0]["building"]["envelope"] == "my-insulated-retrofit"
    assert base["homes"][0]["building"]["envelope"] == "my-brick-terrace"
    for data in (base, retro):
        del data["name"], data["description"], data["homes"][0]["building"]["envelope"]
    assert retro == base


def test_misono_homes_are_four_person_heat20_g2_houses():
    home = load_scenario("saitama-misono").homes[0]
    assert home.household.size == 4
    assert home.building.dwelling == "jp-detached" and home.building.envelope == "jp-heat20-g2"
    assert home.building.floor_area_m2 == 100


def short(name: str, days: int = 14):
    data = yaml.safe_load(dump_scenario(load_scenario(name)))
    data["period"] = {"year": 2025, "start": "2025-03-01", "days": days}
    data.pop("mobility", None)
    return scenario_from_dict(data)


@pytest.fixture(scope="module")
def kl_pair():
    from zerodistrict.pipeline import run

    return [run(short(name), resilience_hours=None) for name in (BASE, RETROFIT)]


def test_kpis_and_timeseries_carry_heating_and_cooling(kl_pair):
    typical, retro = kl_pair
    for result in kl_pair:
        k = result.kpis
        ts = result.timeseries
        assert k.heating_kwh == 0.0
        assert k.cooling_kwh == pytest.approx(ts["cooling_kw"].sum() * result.inputs.step_hours)
        assert k.space_conditioning_ratio == pytest.approx(k.cooling_kwh / k.load_kwh)
        assert (ts["cooling_kw"] <= ts["load_kw"] + 1e-9).all()
    assert retro.kpis.cooling_kwh < typical.kpis.cooling_kwh
    assert retro.kpis.load_kwh - typical.kpis.load_kwh == pytest.approx(retro.kpis.cooling_kwh - typical.kpis.cooling_kwh)


def test_compare_explains_the_cooling_difference_with_its_sign_and_size(kl_pair):
    from zerodistrict.report import compare_results, get_language
    from zerodistrict.report.compare import explain_differences

    table = compare_results(kl_pair)
    per_home = [r.kpis.cooling_kwh / r.kpis.n_homes for r in kl_pair]
    sentences = explain_differences(table, get_language("en"))[0]
    first, second = sentences[-2:]
    diff = per_home[0] - per_home[1]
    assert first.startswith(f"Heating and cooling take {per_home[1]:,.0f} kWh of electricity per home in {RETROFIT}")
    assert f"{diff:,.0f} kWh ({diff / per_home[0]:.0%}) less than in {BASE} ({per_home[0]:,.0f} kWh)" in first
    assert second.startswith("Under the same weather the envelope explains it: less heat crosses it")
    h = table["envelope_w_per_k_per_home"].tolist()
    assert h[1] < h[0] and f"{h[1]:,.0f} W/K" in second and f"{h[0]:,.0f} W/K" in second
    ja = explain_differences(table, get_language("ja"))[0][-2]
    assert re.search(r"少なく", ja) and f"{diff:,.0f} kWh" in ja
    assert not math.isnan(table["space_conditioning_ratio"].iloc[0])


def test_the_report_shows_the_heating_and_cooling_card(kl_pair):
    from zerodistrict.report import get_language
    from zerodistrict.report.html import report_html

    html = report_html(kl_pair[:1], get_language("en"))
    share = kl_pair[0].kpis.space_conditioning_ratio
    assert "Heating and cooling" in html and f"{share:.0%}" in html
