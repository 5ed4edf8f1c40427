"""Benchmark: a year of shared mobility, hourly, 500 vehicles, 100 ports, ≈1 million trip requests.

Run ``python benchmarks/bench_mobility.py``. Prints a table and sets the key
``"mobility"`` of ``benchmarks/results.json`` (other keys are kept).

Peak memory is the process's peak resident set size (``ru_maxrss``), which
includes the Python interpreter and imported libraries; the baseline before
the run is reported beside it.
"""

from __future__ import annotations

import results_file  # noqa: E402  (benchmarks/results_file.py: one key per benchmark)

import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from zerodistrict.mobility import (
    Demand,
    Mobility,
    Rebalancing,
    Station,
    VehicleType,
    simulate_mobility,
)
from zerodistrict.mobility.demand import generate_requests

RESULTS = Path(__file__).parent / "results.json"
TARGET_S = 10.0


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def build_case(seed: int = 1) -> tuple[Mobility, pd.DatetimeIndex]:
    """100 ports scattered ±3 km around Omiya, 300 e-bikes, 150 e-scooters, 50 small EVs, 2,740 trips/day."""
    rng = np.random.default_rng(seed)
    n_s = 100
    lat = 35.9063 + rng.uniform(-0.03, 0.03, n_s)
    lon = 139.6238 + rng.uniform(-0.04, 0.04, n_s)
    stations = [
        Station(id=f"p{k}", latitude=float(lat[k]), longitude=float(lon[k]), docks=12,
                charger_kw=0.5 if k % 3 == 0 else 0.0, district_powered=k % 9 == 0,
                weight=float(rng.uniform(0.5, 2.0)))
        for k in range(n_s)
    ]
    fleet = [
        VehicleType(id="e-bike", kind="e-bike", count=300, battery_kwh=0.4, consumption_kwh_per_km=0.01,
                    speed_km_h=15, max_charge_kw=0.1),
        VehicleType(id="e-scooter", kind="e-scooter", count=150, battery_kwh=0.55, consumption_kwh_per_km=0.0122,
                    speed_km_h=12, max_charge_kw=0.1),
        VehicleType(id="small-ev", kind="small-ev", count=50, battery_kwh=9.06, consumption_kwh_per_km=0.06,
                    speed_km_h=25, max_charge_kw=3.0),
    ]
    mobility = Mobility(
        stations=stations, vehicle_types=fleet, demand=Demand(trips_per_day=2740),
        rebalancing=Rebalancing(nightly=True), walk_to_nearby_km=0.3, wait_minutes=5,
    )
    index = pd.date_range("2025-01-01", "2026-01-01", freq="h", tz="Asia/Tokyo", inclusive="left")
    return mobility, index


def main() -> dict:
    mobility, index = build_case()
    ef = np.full(len(index), 0.437)
    rss_before = _peak_rss_mb()
    t0 = time.perf_counter()
    requests = generate_requests(mobility, index, np.random.default_rng(mobility.seed))
    t_demand = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = simulate_mobility(mobility, index, ef)
    t_total = time.perf_counter() - t0
    rss_after = _peak_rss_mb()
    k = result.kpis
    row = {
        "case": "1 year hourly, 500 vehicles, 100 ports, nightly rebalancing, walk 0.3 km, wait 5 min",
        "steps": len(index),
        "vehicles": int(sum(v.count for v in mobility.vehicle_types)),
        "stations": len(mobility.stations),
        "trip_requests": int(k["mobility_trips"]),
        "requests_drawn_alone": requests.n,  # same seed: equals trip_requests
        "trips_served": int(result.trips["served"].sum()),
        "charging_sessions_kwh": round(float(k["mobility_energy_kwh"]), 1),
        "demand_generation_s": round(t_demand, 3),
        "simulate_mobility_s": round(t_total, 3),
        "us_per_request": round(t_total / max(k["mobility_trips"], 1) * 1e6, 2),
        "target_s": TARGET_S,
        "under_target": t_total < TARGET_S,
        "peak_rss_mb": round(rss_after, 1),
        "rss_before_run_mb": round(rss_before, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
    }
    print(f"{'measure':<24} {'value':>14}")
    for key in ("trip_requests", "trips_served", "demand_generation_s", "simulate_mobility_s", "us_per_request",
                "peak_rss_mb", "rss_before_run_mb"):
        print(f"{key:<24} {row[key]:>14}")
    print(f"{'under 10 s':<24} {row['under_target']!s:>14}")
    results_file.record("mobility", row)
    return row


if __name__ == "__main__":
    main()
