"""Sweeps: the sweep file and its expansion, shared site profiles, Dask execution, resuming, lost workers.

One LocalCluster of two worker processes serves the module (it takes seconds to start); the designs are
the Misono preset over two June days so that each takes a few tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from zerodistrict import pipeline
from zerodistrict.design.sweep import batch_size, run_batch, run_sweep
from zerodistrict.design.sweep_spec import MAX_DESIGNS, Sweep, expand, plan_sweep
from zerodistrict.errors import InputError
from stores import postgres_url
from zerodistrict.results.store import drop_store, open_store
from zerodistrict.scenario.loading import PRESET_DIR
from zerodistrict.scenario.paths import apply_parameters

REPO = Path(__file__).resolve().parents[2]


def _base(tmp_path: Path, days: int = 2) -> Path:
    data = yaml.safe_load((PRESET_DIR / "saitama-misono.yaml").read_text(encoding="utf-8"))
    data["period"] = {"year": 2025, "start": "2025-06-01", "days": days}
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _sweep_file(tmp_path: Path, parameters: dict, name: str = "sweep.yaml", **extra) -> Path:
    if not (tmp_path / "base.yaml").exists():
        _base(tmp_path)
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"base": "base.yaml", "parameters": parameters, **extra}), encoding="utf-8")
    return path


#: 3 batteries × 2 roofs × 2 weather years (two site profiles) = 12 designs
SMALL = {
    "community.batteries[0].capacity_kwh": [0, 60, 125],
    "homes[0].pv.kwp": {"start": 3.5, "stop": 4.5, "step": 1.0},
    "weather.seed": [1, 2],
}


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                           silence_logs=40)
    with Client(cluster) as c:
        yield c
    cluster.close()


def _numeric_kpis(kpis: dict) -> dict:
    return {k: v for k, v in kpis.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


# --------------------------------------------------------------------------- field paths


def test_apply_parameters_sets_nested_fields_and_leaves_the_base_alone():
    base = {"homes": [{"pv": {"kwp": 4.4}}], "weather": {"seed": 1}}
    out = apply_parameters(base, {"homes[0].pv.kwp": 5.0, "weather.seed": 3})
    assert out == {"homes": [{"pv": {"kwp": 5.0}}], "weather": {"seed": 3}}
    assert base["homes"][0]["pv"]["kwp"] == 4.4


@pytest.mark.parametrize(("path", "match"), [
    ("homes[3].pv.kwp", r"homes\[3\].pv.kwp: the base scenario's homes has 1 item\(s\), so no homes\[3\]"),
    ("grid.nope", r"grid.nope: grid has no field 'nope'"),
    ("homes.pv", r"homes.pv: homes is a list in the base scenario, not a section with field 'pv'"),
    ("homes[0]..kwp", r"homes\[0\]..kwp: not a scenario field path"),
])
def test_apply_parameters_names_a_path_that_does_not_exist(path, match):
    with pytest.raises(InputError, match=match):
        apply_parameters({"homes": [{"pv": {"kwp": 4.4}}]}, {path: 1})


# --------------------------------------------------------------------------- expansion


def test_lists_and_ranges_make_a_full_factorial():
    sweep = Sweep.model_validate({"base": "x", "parameters": {
        "a": [1, 2, 3], "b": {"start": 0, "stop": 0.3, "step": 0.1}, "c": ["x", "y"]}})
    designs = expand(sweep)
    assert len(designs) == 3 * 4 * 2
    assert sorted({d.parameters["b"] for d in designs}) == [0, 0.1, 0.2, 0.3]
    points = {(d.parameters["a"], d.parameters["b"], d.parameters["c"]) for d in designs}
    assert len(points) == 24  # every combination once
    assert len({d.key for d in designs}) == 24
    assert [d.number for d in designs] == list(range(24))


def test_whole_ranges_give_integers():
    sweep = Sweep.model_validate({"base": "x", "parameters": {"n": {"start": 2, "stop": 10, "step": 4}}})
    assert [d.parameters["n"] for d in expand(sweep)] == [2, 6, 10]
    assert all(isinstance(d.parameters["n"], int) for d in expand(sweep))


def _lhs(seed: int, samples: int = 10) -> Sweep:
    return Sweep.model_validate({"base": "x", "samples": samples, "seed": seed, "parameters": {
        "u": {"distribution": "uniform", "low": 0, "high": samples},
        "t": {"distribution": "triangular", "low": 1, "mode": 2, "high": 5},
        "k": [1, 2]}})


def test_latin_hypercube_is_reproducible_stratified_and_crossed_with_the_lists():
    designs = expand(_lhs(seed=7))
    assert len(designs) == 2 * 10
    again = expand(_lhs(seed=7))
    assert [d.parameters for d in designs] == [d.parameters for d in again]
    assert [d.parameters for d in designs] != [d.parameters for d in expand(_lhs(seed=8))]
    first = [d for d in designs if d.parameters["k"] == 1]
    second = [d for d in designs if d.parameters["k"] == 2]
    # each factorial point gets the same samples
    assert [d.parameters["u"] for d in first] == [d.parameters["u"] for d in second]
    # one sample in each of the 10 equal strata of the uniform's range (Latin hypercube)
    assert sorted(math.floor(d.parameters["u"]) for d in first) == list(range(10))
    assert all(1 <= d.parameters["t"] <= 5 for d in designs)


def test_integer_distribution_rounds():
    sweep = Sweep.model_validate({"base": "x", "samples": 5, "parameters": {
        "n": {"distribution": "normal", "mean": 10, "sd": 2, "integer": True}}})
    assert all(isinstance(d.parameters["n"], int) for d in expand(sweep))


@pytest.mark.parametrize(("parameters", "extra", "match"), [
    ({"a": []}, {}, r"parameters: a: an empty list of values"),
    ({"a": {"start": 0, "stop": 1, "step": 0}}, {}, r"invalid sweep\n  parameters: a.step: step must be > 0, got 0.0$"),
    ({"a": {"start": 2, "stop": 1, "step": 1}}, {}, r"parameters: a: stop 1.0 is below start 2.0$"),
    ({"a": {"distribution": "uniform", "low": 0}}, {"samples": 3}, r"parameters: a: uniform needs low, high \(missing high\)$"),
    ({"a": {"distribution": "normal", "mean": 0, "sd": 1}}, {}, r"samples: the distributions need"),
    ({"a": [1]}, {"samples": 3}, r"samples: given, but no parameter has a distribution"),
    ({"a": [1]}, {"size": {"target": "npv"}}, r"size: sizing designs in a sweep is not available yet"),
    ({"a[": [1]}, {}, r"a\[: not a scenario field path"),
    ({"a": [1]}, {"dispatch": "fast"}, r"dispatch: Input should be 'rule' or 'optimal'"),
    ({"a": 3}, {}, r"parameters: a: a list of values, a range \{start, stop, step\} or a distribution"),
    ({"a": [1]}, {"sampels": 3}, r"invalid sweep\n  sampels: unknown field"),
])
def test_bad_sweep_files_name_the_parameter(tmp_path, parameters, extra, match):
    path = _sweep_file(tmp_path, parameters, **extra)
    with pytest.raises(InputError, match=match):
        plan_sweep(path)


def test_too_many_designs_is_refused_before_expanding(tmp_path):
    n = math.isqrt(MAX_DESIGNS) + 1
    path = _sweep_file(tmp_path, {"a": list(range(n)), "b": list(range(n))})
    with pytest.raises(InputError, match=rf"parameters: {n * n:,} designs \(a: {n}, b: {n}\) is more than the "
                                         rf"{MAX_DESIGNS:,}"):
        plan_sweep(path)


def test_an_unknown_path_and_an_invalid_design_fail_up_front_naming_them(tmp_path):
    path = _sweep_file(tmp_path, {"homes[0].pv.kwpp": [1]})
    with pytest.raises(InputError, match=r"homes\[0\].pv.kwpp: homes\[0\].pv has no field 'kwpp'"):
        plan_sweep(path)
    path = _sweep_file(tmp_path, {"community.batteries[1].capacity_kwh": [1]}, name="b.yaml")
    with pytest.raises(InputError, match=r"community.batteries\[1\].capacity_kwh: the base scenario's "
                       r"community.batteries has 1 item\(s\), so no community.batteries\[1\]"):
        plan_sweep(path)
    # design 2 is the first invalid one: a negative capacity
    path = _sweep_file(tmp_path, {"community.batteries[0].capacity_kwh": [10, 5, -1, -2]}, name="c.yaml")
    with pytest.raises(InputError, match=r"design 2 \(community.batteries\[0\].capacity_kwh=-1\): invalid scenario\n"
                                         r"  community.batteries\[0\].capacity_kwh: "):
        plan_sweep(path)


def test_the_sweep_key_follows_the_file_and_the_base(tmp_path):
    a = plan_sweep(_sweep_file(tmp_path, {"weather.seed": [1, 2]}))
    assert plan_sweep(tmp_path / "sweep.yaml").key == a.key
    b = plan_sweep(_sweep_file(tmp_path, {"weather.seed": [1, 3]}, name="other.yaml"))
    assert b.key != a.key
    _base(tmp_path, days=3)
    assert plan_sweep(tmp_path / "sweep.yaml").key != a.key


def test_batches_are_at_most_the_documented_size():
    assert batch_size(1000, 2) == 25
    assert batch_size(10, 2) == 2
    assert batch_size(1, 8) == 1


# --------------------------------------------------------------------------- shared profiles


def test_profiles_of_one_design_scale_to_another_exactly(tmp_path):
    plan = plan_sweep(_sweep_file(tmp_path, SMALL))
    first = plan.scenarios[0]
    profiles = pipeline.site_profiles(first)
    same_site = [s for s in plan.scenarios if pipeline.profiles_key(s) == profiles.key]
    assert len(same_site) == 6  # the designs of weather seed 1
    for scenario in same_site:
        shared = pipeline.build_inputs(scenario, profiles=profiles)
        alone = pipeline.build_inputs(scenario)
        np.testing.assert_array_equal(shared.load_kw, alone.load_kw)
        np.testing.assert_array_equal(shared.pv_kw, alone.pv_kw)
    other = next(s for s in plan.scenarios if pipeline.profiles_key(s) != profiles.key)
    with pytest.raises(ValueError, match="computed for another site, period, weather or load"):
        pipeline.build_inputs(other, profiles=profiles)


def test_a_batch_does_not_recompute_the_site_profiles(tmp_path, monkeypatch):
    plan = plan_sweep(_sweep_file(tmp_path, {"homes[0].pv.kwp": [3.0, 5.0]}))
    profiles = pipeline.site_profiles(plan.scenarios[0])

    def refuse(*args, **kwargs):
        raise AssertionError("site profiles recomputed")

    monkeypatch.setattr(pipeline, "site_profiles", refuse)
    records = run_batch(profiles, list(zip(plan.designs, plan.scenarios)), "rule", 0)
    assert [r.key for r in records] == [d.key for d in plan.designs]
    assert records[0].kpis["pv_kwp"] == pytest.approx(51 * 3.0)


# --------------------------------------------------------------------------- execution


def test_sweep_kpis_equal_a_run_of_each_design(tmp_path, client):
    plan = plan_sweep(_sweep_file(tmp_path, SMALL))
    starts, progress = [], []
    outcome = run_sweep(plan, f"sqlite:///{tmp_path / 'z.db'}", client=client,
                        on_start=starts.append, on_progress=lambda done, total: progress.append((done, total)))
    assert starts[0].designs == starts[0].to_compute == 12 and starts[0].sites == 2
    assert progress[-1] == (12, 12) and len(progress) == starts[0].batches
    stored = open_store(f"sqlite:///{tmp_path / 'z.db'}").export(outcome.sweep_id).set_index("design")
    assert len(stored) == 12
    for design, scenario in zip(plan.designs, plan.scenarios):
        expected = _numeric_kpis(pipeline.run(scenario, resilience_hours=None).kpis.to_json_dict())
        row = stored.loc[design.key]
        for path, value in design.parameters.items():
            assert row[path] == value
        for name, value in expected.items():
            assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


def test_resilience_is_a_sweep_option(tmp_path, client):
    plan = plan_sweep(_sweep_file(tmp_path, {"homes[0].pv.kwp": [4.0]}, resilience_hours=24))
    outcome = run_sweep(plan, f"sqlite:///{tmp_path / 'z.db'}", client=client)
    row = open_store(f"sqlite:///{tmp_path / 'z.db'}").export(outcome.sweep_id).iloc[0]
    expected = pipeline.run(plan.scenarios[0], resilience_hours=24).kpis
    assert row["critical_survival_hours_mean"] == pytest.approx(expected.critical_survival_hours_mean, rel=1e-9)


def test_an_interrupted_sweep_resumes_without_recomputing(tmp_path, client):
    plan = plan_sweep(_sweep_file(tmp_path, SMALL))
    url = f"sqlite:///{tmp_path / 'z.db'}"

    def interrupt(done, total):
        raise KeyboardInterrupt  # Ctrl-C as the first batch is stored

    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan, url, client=client, on_progress=interrupt)
    store = open_store(url)
    sweep_id = store.latest_sweep_id()
    before = store.stored_designs(sweep_id)
    assert 0 < len(before) < 12
    outcome = run_sweep(plan, url, client=client)
    assert outcome.stored_before == len(before)
    assert not before & set(outcome.computed_keys)
    assert len(outcome.computed_keys) == 12 - len(before)
    assert store.stored_designs(sweep_id) == {d.key for d in plan.designs}
    assert len(store.export(sweep_id)) == 12
    again = run_sweep(plan, url, client=client)
    assert again.computed_keys == [] and again.stored_before == 12


def test_a_killed_worker_loses_at_most_its_batch(tmp_path, client):
    plan = plan_sweep(_sweep_file(tmp_path, {**SMALL, "homes[0].pv.kwp": [3.0, 3.5, 4.0, 4.5, 5.0]}))
    url = f"sqlite:///{tmp_path / 'z.db'}"
    pids = list(client.run(os.getpid).values())
    killed = []

    def kill_one(done, total):
        if not killed:
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    outcome = run_sweep(plan, url, client=client, on_progress=kill_one)
    assert killed
    store = open_store(url)
    assert sorted(outcome.computed_keys) == sorted(d.key for d in plan.designs)
    assert len(store.export(outcome.sweep_id)) == len(plan.designs) == 30
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the tests after this one


def _start_cli_sweep(path: Path, db: Path, tmp_path: Path) -> subprocess.Popen:
    """``zerodistrict sweep`` in its own process group (as a terminal runs it), returning once a design is stored."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "zerodistrict.cli", "sweep", str(path), "--store",
                             f"sqlite:///{db}", "--workers", "2"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            store = open_store(f"sqlite:///{db}")
            try:
                stored = store.stored_designs(store.latest_sweep_id())
            except InputError:
                stored = set()
            store.close()
            if stored:
                break
    if proc.poll() is not None:
        with contextlib.suppress(ProcessLookupError):  # the group may be gone already
            os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the sweep ended before it could be interrupted: {proc.communicate()}")
    return proc


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_the_sweep_and_its_cluster_cleanly(tmp_path):
    path = _sweep_file(tmp_path, {"community.batteries[0].capacity_kwh": {"start": 0, "stop": 590, "step": 10}})
    _base(tmp_path, days=1)
    db = tmp_path / "z.db"
    proc = _start_cli_sweep(path, db, tmp_path)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends: the CLI and its workers
    try:
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "interrupted: every finished batch is stored" in stderr
    assert "Traceback" not in stderr
    deadline = time.monotonic() + 20
    while _group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(proc.pid), "worker processes outlived the interrupted sweep"
    store = open_store(f"sqlite:///{db}")
    assert 0 < len(store.stored_designs(store.latest_sweep_id())) < 60


@pytest.mark.slow
def test_a_200_design_sweep_killed_part_way_ends_with_200_designs(tmp_path, client):
    path = _sweep_file(tmp_path, {"homes[0].pv.kwp": {"start": 3.0, "stop": 5.0, "step": 0.5},
                                  "community.batteries[0].capacity_kwh": {"start": 0, "stop": 195, "step": 5}})
    _base(tmp_path, days=1)
    plan = plan_sweep(path)
    assert len(plan.designs) == 200
    db = tmp_path / "z.db"
    proc = _start_cli_sweep(path, db, tmp_path)
    os.killpg(proc.pid, signal.SIGKILL)  # the process and its workers, as in a crash
    proc.communicate()
    store = open_store(f"sqlite:///{db}")
    before = store.stored_designs(store.latest_sweep_id())
    assert 0 < len(before) < 200
    outcome = run_sweep(plan, store, client=client)
    assert not before & set(outcome.computed_keys)
    assert len(outcome.computed_keys) == 200 - len(before)
    assert len(store.export(outcome.sweep_id)) == 200


def test_a_real_scheduler_gives_the_local_cluster_kpis(tmp_path, client):
    address = os.environ.get("ZERODISTRICT_TEST_SCHEDULER")
    if not address:
        if os.environ.get("CI"):
            pytest.fail("ZERODISTRICT_TEST_SCHEDULER is not set: .ci/run starts a dask scheduler and two workers")
        pytest.skip("set ZERODISTRICT_TEST_SCHEDULER=tcp://HOST:PORT (tests/services/dask_cluster.sh start)")
    plan = plan_sweep(_sweep_file(tmp_path, SMALL))
    local = run_sweep(plan, f"sqlite:///{tmp_path / 'local.db'}", client=client)
    remote = run_sweep(plan, f"sqlite:///{tmp_path / 'remote.db'}", scheduler=address)
    assert len(remote.computed_keys) == 12
    a = open_store(f"sqlite:///{tmp_path / 'local.db'}").export(local.sweep_id).set_index("design").sort_index()
    b = open_store(f"sqlite:///{tmp_path / 'remote.db'}").export(remote.sweep_id).set_index("design").sort_index()
    assert list(a.index) == list(b.index)
    numeric = [c for c in a.columns if a[c].dtype.kind in "fi"]
    np.testing.assert_allclose(b[numeric].to_numpy(float), a[numeric].to_numpy(float), rtol=1e-9, atol=1e-9)


def _kpi_table(url: str, sweep_id: int):
    with open_store(url) as store:
        return store.export(sweep_id).set_index("design").sort_index()


def test_postgresql_stores_the_sqlite_kpis(tmp_path, client):
    """The same sweep into PostgreSQL and into SQLite (both on the LocalCluster): the same designs, KPIs to 1e-9."""
    url = postgres_url()
    drop_store(url)
    plan = plan_sweep(_sweep_file(tmp_path, SMALL))
    lite_url = f"sqlite:///{tmp_path / 'lite.db'}"
    lite = run_sweep(plan, lite_url, client=client)
    pg = run_sweep(plan, url, client=client)
    assert len(pg.computed_keys) == 12
    a, b = _kpi_table(lite_url, lite.sweep_id), _kpi_table(url, pg.sweep_id)
    assert list(a.index) == list(b.index) and list(a.columns) == list(b.columns)
    numeric = [c for c in a.columns if a[c].dtype.kind in "fi"]
    assert len(numeric) > 10
    np.testing.assert_allclose(b[numeric].to_numpy(float), a[numeric].to_numpy(float), rtol=1e-9, atol=1e-9)
    # resuming against PostgreSQL computes nothing again
    assert run_sweep(plan, url, client=client).computed_keys == []


def test_the_readme_sweep_file_plans_to_the_count_it_states(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Sweeps"):]
    block = section[section.index("```yaml\n") + 8:]
    path = tmp_path / "readme.yaml"
    path.write_text(block[:block.index("```")], encoding="utf-8")
    plan = plan_sweep(path)
    assert len(plan.designs) == 420 and "3 × 7 × 20 = 420 designs" in section
    factors = {s.grid.emission_factor_kg_per_kwh for s in plan.scenarios}
    assert len(factors) == 20 and all(0.3 <= f <= 0.5 for f in factors)


def test_cli_sweep_reports_and_resumes(tmp_path):
    from typer.testing import CliRunner

    from zerodistrict.cli import app

    path = _sweep_file(tmp_path, {"homes[0].pv.kwp": [3.0, 5.0]})
    args = ["sweep", str(path), "--store", f"sqlite:///{tmp_path / 'z.db'}", "--workers", "1"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "2 designs, 0 already stored, 2 to compute" in first.output
    assert "stored 2 new designs (0 were already stored)" in first.output
    again = CliRunner().invoke(app, args)
    assert "stored 0 new designs (2 were already stored)" in again.output


@pytest.mark.parametrize(("extra", "match"), [
    (["--scheduler", "tcp://127.0.0.1:9", "--workers", "2"], r"--workers: applies to the local cluster only"),
    (["--store", "nosuchdb://x"], r"--store nosuchdb://x: unsupported database 'nosuchdb'"),
])
def test_cli_sweep_bad_options_are_one_message(tmp_path, extra, match):
    from typer.testing import CliRunner

    from zerodistrict.cli import app

    path = _sweep_file(tmp_path, {"homes[0].pv.kwp": [3.0]})
    args = ["sweep", str(path), "--store", f"sqlite:///{tmp_path / 'z.db'}", *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert re.search(match, result.output), result.output
    assert "Traceback" not in result.output
