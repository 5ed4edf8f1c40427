"""The annualised capital of a design computed by hand, for the sizing tests (independent of the sizing LP)."""

from __future__ import annotations

from zerodistrict.analysis import economics as econ_mod


def annualised_capital(breakdown: dict, econ, share: float) -> float:
    """From the appraisal's capex items: (1 + R)/A + o for batteries, 1/A + o for the rest, times ``share``.

    ``breakdown``: capex by item [currency]; ``econ``: the scenario's economics; ``share``: the period's
    share of a year. A: annuity factor, R: replacement factor, o: O&M ratio per year.
    """
    a = econ_mod.annuity_factor(econ.discount_rate, econ.lifetime_years)
    repl = econ_mod.replacement_factor(econ.discount_rate, econ.lifetime_years, econ.battery_lifetime_years)
    om = econ.om_ratio_per_year
    battery = breakdown.get("battery", 0.0)
    return (battery * ((1 + repl) / a + om) + (sum(breakdown.values()) - battery) * (1 / a + om)) * share
