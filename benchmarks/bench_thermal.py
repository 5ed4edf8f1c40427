"""Homes as buildings: ISO 13790 5R1C heating/cooling of 50 homes over a year (key "thermal").

Run: ``python benchmarks/bench_thermal.py``. Times (best of 5) the 5R1C recursion alone
(:func:`zerodistrict.profiles.thermal.simulate_5r1c`, 8,760 hourly steps × 50 homes, one week of
warm-up) and a whole building group's load (:func:`zerodistrict.profiles.loads.group_load`: appliances,
façade irradiance with pvlib, gains, 5R1C and COPs) for the kuala-lumpur-wangsa-maju homes, and the
15-minute case (35,040 steps).
"""

from __future__ import annotations

import os
import time

import numpy as np
import results_file

from zerodistrict import catalog
from zerodistrict.profiles import loads, thermal
from zerodistrict.profiles.weather import weather_for
from zerodistrict.scenario import load_scenario

N_HOMES = 50


def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def one_step(step: int) -> dict:
    """Timings [s] of the 5R1C recursion and of a whole group's load at ``step`` minutes."""
    sc = load_scenario("kuala-lumpur-wangsa-maju")
    sc = sc.model_copy(update={"period": sc.period.model_copy(update={"step_minutes": step})})
    group = sc.homes[0].model_copy(update={"count": N_HOMES})
    index = sc.index()
    weather = weather_for(sc.weather, sc.site, index)
    zone = loads.building_zone(group.building)
    dwelling = catalog.dwellings()[group.building.dwelling]
    n_t, step_h = len(index), step / 60
    phi_int = np.random.default_rng(0).uniform(100, 600, (n_t, N_HOMES))
    temp = weather["temp_air"].to_numpy()
    cool = thermal.schedule_setpoints(index, step_h, dwelling.cooling_setpoint_c, dwelling.cooling_hours, np.inf)
    heat = np.full(n_t, -np.inf)
    return {
        f"simulate_5r1c_{step}min_s": best_of(lambda: thermal.simulate_5r1c(
            zone, temp, phi_int, np.zeros(n_t), heat, cool, 1e4, 1e4, step_h, warmup_steps=round(168 / step_h))),
        f"group_load_{step}min_s": best_of(lambda: loads.group_load(group, 0, sc.site, weather, index), 3),
    }


def main() -> None:
    out = {"what": __doc__.splitlines()[0], "homes": N_HOMES, "load_average_1min": os.getloadavg()[0]}
    for step in (60, 15):
        times = one_step(step)
        print(step, "min:", {k: round(v, 3) for k, v in times.items()}, flush=True)
        out.update(times)
    results_file.record("thermal", out)


if __name__ == "__main__":
    main()
