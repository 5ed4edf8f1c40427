"""The JSON API of ``zerodistrict serve`` on a real uvicorn server with real worker processes and a SQLite
store: every endpoint, its errors, and hostile requests refused with 4xx while the server keeps serving."""

from __future__ import annotations

import json
import re

import httpx
import yaml
import pandas as pd
import pytest

from web.service import serve, short_scenario, wait_for
from zerodistrict.pipeline import run
from zerodistrict.scenario.loading import scenario_from_dict
from zerodistrict.web import intake, jobs

pytestmark = pytest.mark.slow
ID = re.compile(r"^[0-9a-f]{32}$")


def errors_of(response: httpx.Response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}
    return body["errors"]


def still_serving(client: httpx.Client) -> None:
    assert client.get("/api/meta").status_code == 200


# --------------------------------------------------------------------------- reading

def test_meta_presets_and_words(web):
    meta = web.get("/api/meta").json()
    assert meta["languages"] == ["en", "ja", "ms"]
    assert "tnb-domestic-2025" in meta["tariffs"] and "my-solar-atap-2026" in meta["export_schemes"]
    assert meta["limits"]["body_bytes"] == intake.MAX_BODY_BYTES
    presets = {p["name"]: p for p in web.get("/api/presets").json()}
    assert presets["kuala-lumpur-wangsa-maju"]["homes"] == 40
    data = web.get("/api/presets/saitama-misono").json()
    assert data["name"] == "saitama-misono" and data["site"]["timezone"] == "Asia/Tokyo"
    assert web.get("/api/i18n/ja").json()["web.run"] == "計算する"
    missing = web.get("/api/presets/no-such-preset")
    assert missing.status_code == 404
    assert re.match(r"unknown preset 'no-such-preset'", errors_of(missing)[0]["message"])
    assert web.get("/api/i18n/xx").status_code == 404


def test_docs_and_openapi(web):
    schema = web.get("/openapi.json").json()
    assert {"/api/runs", "/api/validate", "/api/runs/{job_id}/report", "/api/compare"} <= set(schema["paths"])
    docs = web.get("/docs")
    assert docs.status_code == 200 and "/api/runs/{job_id}" in docs.text
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text


def test_page_and_its_scripts_come_from_the_app(web):
    page = web.get("/")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert sources and all(s.startswith("/static/") or s.startswith("data:") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            assert web.get(source).status_code == 200
    assert len(web.get("/static/plotly.min.js").content) > 1_000_000
    assert web.get("/static/..%2Fapp.py").status_code == 404
    assert web.get("/static/missing.js").status_code == 404


# --------------------------------------------------------------------------- validation

def test_validate_accepts_json_and_yaml(web):
    data = short_scenario(web)
    ok = web.post("/api/validate", json=data)
    assert ok.status_code == 200 and ok.json()["homes"] == 40
    yaml_text = "\n".join(["name: tiny", "site: {name: Kuala Lumpur, latitude: 3.14, longitude: 101.69, "
                           "timezone: Asia/Kuala_Lumpur, country: MY}",
                           "period: {year: 2025, start: 2025-03-01, days: 3}",
                           "homes: [{group: a, count: 2, load: {archetype: my-terrace, annual_kwh: 4000}, pv: {kwp: 3}}]",
                           "grid: {currency: MYR, emission_factor_kg_per_kwh: 0.78, tariff: tnb-domestic-2025}"])
    from_yaml = web.post("/api/validate", content=yaml_text, headers={"Content-Type": "application/yaml"})
    assert from_yaml.status_code == 200, from_yaml.text
    assert from_yaml.json()["scenario"]["homes"][0]["count"] == 2
    homes = {p["name"]: p["homes"] for p in web.get("/api/presets").json()}
    assert web.post("/api/validate", json={"scenario": "saitama-misono"}).json()["homes"] == homes["saitama-misono"]


def test_validate_names_each_bad_field(web):
    data = short_scenario(web)
    data["homes"][0]["count"] = -1
    data["homes"][0]["pv"]["kwp"] = 500
    data["grid"]["colour"] = "green"
    response = web.post("/api/validate", json=data)
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in errors_of(response)}
    assert re.match(r"Input should be greater than or equal to 1 \(got -1\)", fields["homes[0].count"])
    assert re.match(r"Input should be less than or equal to 100", fields["homes[0].pv.kwp"])
    assert fields["grid.colour"] == "unknown field"


def test_validate_runs_the_preflight_checks_of_the_cli(web):
    data = short_scenario(web)
    data["grid"]["outages"] = [{"start": "2025-06-01 10:00", "hours": 4}]  # after the 7 days from 1 March
    response = web.post("/api/validate", json=data)
    assert response.status_code == 422
    [error] = errors_of(response)
    assert error["field"] == "grid.outages[0]"
    assert re.search(r"outside|period", error["message"])


@pytest.mark.parametrize("body, content_type, message", [
    (b"{not json", "application/json", r"malformed JSON \(line 1, column 2\)"),
    (b"a: [1, 2\nb: 3", "application/yaml", r"malformed YAML"),
    (b"name: a\nname: b\n", "application/yaml", r"key 'name' is given twice"),
    (b"\xff\xfe", "application/json", r"not UTF-8"),
    (b"- 1\n- 2\n", "application/yaml", r"must be a YAML mapping"),
])
def test_malformed_bodies_are_422(web, body, content_type, message):
    response = web.post("/api/validate", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert re.search(message, errors_of(response)[0]["message"])
    still_serving(web)


def test_yaml_bomb_and_deep_nesting_are_refused(web):
    bomb = "\n".join(["a: &a [x, x, x, x, x, x, x, x, x]"]
                     + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
                        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
                        for i in range(8)])
    response = web.post("/api/validate", content=bomb, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 422
    assert re.match(r"YAML anchors and aliases", errors_of(response)[0]["message"])
    deep_json = "[" * 5000 + "]" * 5000
    for text, kind in ((deep_json, "application/json"), ("a: " + deep_json, "application/yaml")):
        response = web.post("/api/validate", content=text, headers={"Content-Type": kind})
        assert response.status_code == 422
        assert re.search(r"nested deeper than 32 levels|malformed", errors_of(response)[0]["message"])
    still_serving(web)


def test_oversized_bodies_are_413(web):
    big = b"a: " + b"x" * (intake.MAX_BODY_BYTES + 10)
    response = web.post("/api/validate", content=big, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 413

    def chunks():  # no Content-Length: the cap is counted as the body arrives
        for _ in range(40):
            yield b"x" * 100_000

    response = web.post("/api/runs", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert re.match(r"the body is larger", errors_of(response)[0]["message"])
    still_serving(web)


@pytest.mark.parametrize("where, value", [
    ("weather", {"source": "epw", "path": "/etc/passwd"}),
    ("weather", {"source": "epw", "path": "../../store.db"}),
    ("weather", {"source": "epw", "path": "~/weather.epw"}),
    ("load", {"csv": "../runs/x/timeseries.csv"}),
])
def test_scenarios_may_not_name_server_files(web, where, value):
    data = short_scenario(web)
    if where == "weather":
        data["weather"] = value
        field_path = "weather.path"
    else:
        data["homes"][0]["load"] = value
        field_path = "homes[0].load.csv"
    for path, body in (("/api/validate", data), ("/api/runs", {"scenario": data})):
        response = web.post(path, json=body)
        assert response.status_code == 422
        [error] = errors_of(response)
        assert error["field"] == field_path
        assert re.match(r"a scenario sent to the server may name only a file uploaded to it", error["message"])
    assert web.post("/api/runs", json={"scenario": "../../etc/passwd"}).status_code == 404
    still_serving(web)


def test_uploads(web):
    response = web.post("/api/files", files={"file": ("johor.epw", b"LOCATION,Johor\n", "text/plain")})
    assert response.status_code == 201
    name = response.json()["name"]
    assert intake.UPLOAD_NAME.match(name) and name.endswith(".epw")
    data = short_scenario(web)
    data["weather"] = {"source": "epw", "path": name}
    refused = web.post("/api/validate", json=data)  # an upload that is not a year of weather: the CLI's check
    assert refused.status_code == 422
    [error] = errors_of(refused)
    assert error["field"].startswith("weather") and name not in str(web.base_url)
    assert "/" not in error["message"].replace("kWh/", "").replace("W/m", ""), error["message"]
    data["weather"]["path"] = "0" * 32 + ".epw"
    assert re.match(r"no upload named", errors_of(web.post("/api/validate", json=data))[0]["message"])
    wrong = web.post("/api/files", files={"file": ("x.sh", b"echo", "text/plain")})
    assert wrong.status_code == 422
    huge = web.post("/api/files", files={"file": ("big.epw", b"0" * 50_000_000, "text/plain")})
    assert huge.status_code == 413
    still_serving(web)


# --------------------------------------------------------------------------- jobs

@pytest.fixture(scope="module")
def done_run(web):
    data = short_scenario(web)
    response = web.post("/api/runs", json={"scenario": data, "dispatch": "rule"})
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert ID.match(job_id) and response.headers["location"] == f"/api/runs/{job_id}"
    view = wait_for(web, job_id)
    assert view["status"] == "done", view
    return job_id, data


def test_a_run_gives_the_kpis_of_the_library(web, done_run):
    job_id, data = done_run
    view = web.get(f"/api/runs/{job_id}").json()
    expected = run(scenario_from_dict(data)).kpis.to_json_dict()
    for key in ("pv_generation_kwh", "grid_import_kwh", "self_sufficiency_ratio", "co2_kg", "net_energy_cost"):
        assert view["kpis"][key] == pytest.approx(expected[key], rel=1e-12)
    assert view["progress"]["fraction"] == 1.0 and view["error"] is None
    listed = {r["id"]: r for r in web.get("/api/runs").json()}
    assert listed[job_id]["kpis"]["self_sufficiency_ratio"] == pytest.approx(expected["self_sufficiency_ratio"])
    assert web.get(f"/api/runs/{job_id}/scenario").json()["scenario"]["period"]["days"] == 7


def test_results_as_json_and_csv(web, done_run):
    job_id, _ = done_run
    kpis = web.get(f"/api/runs/{job_id}/kpis").json()
    row = pd.read_csv(__import__("io").StringIO(web.get(f"/api/runs/{job_id}/kpis?format=csv").text))
    assert row["grid_import_kwh"].iloc[0] == pytest.approx(kpis["grid_import_kwh"])
    series = web.get(f"/api/runs/{job_id}/timeseries").json()
    assert len(series) == 7 * 24
    total = sum(r["grid_import_kw"] for r in series)  # hourly steps: kW × 1 h
    assert total == pytest.approx(kpis["grid_import_kwh"], rel=1e-6)
    csv = web.get(f"/api/runs/{job_id}/timeseries?format=csv")
    assert csv.headers["content-type"].startswith("text/csv") and csv.text.startswith("time,")
    homes = web.get(f"/api/runs/{job_id}/homes").json()
    assert len(homes) == 40 and sum(h["pv_generation_kwh"] for h in homes) == pytest.approx(kpis["pv_generation_kwh"])
    assert web.get(f"/api/runs/{job_id}/homes?format=xml").status_code == 422


def test_report_view_and_pngs(web, done_run):
    job_id, _ = done_run
    report = web.get(f"/api/runs/{job_id}/report?lang=ja")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert '<html lang="ja"' in report.text
    assert web.get(f"/api/runs/{job_id}/report?lang=fr").status_code == 422
    view = web.get(f"/api/runs/{job_id}/view?lang=ms").json()
    assert {"monthly", "typical_days", "survival"} <= set(view["figures"]) and 'class="card"' in view["cards"]
    names = web.get(f"/api/runs/{job_id}/pngs").json()
    assert any(n.endswith("monthly-balance.png") for n in names)
    png = web.get(f"/api/runs/{job_id}/pngs/{names[0]}")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert web.get(f"/api/runs/{job_id}/pngs/..%2F..%2Fstore.db").status_code == 404
    assert web.get(f"/api/runs/{job_id}/resilience").status_code == 404  # a run, not a resilience job


def test_unknown_runs_are_404(web):
    for path in ("/api/runs/" + "0" * 32, "/api/runs/not-an-id", "/api/runs/" + "0" * 32 + "/report",
                 "/api/runs/..%2F..%2Fetc/kpis"):
        assert web.get(path).status_code == 404, path
    assert web.delete("/api/runs/" + "0" * 32).status_code == 404


def test_bad_job_requests_are_422(web):
    cases = [({"scenario": "saitama-misono", "dispatch": "fastest"}, "dispatch", r"unknown dispatch 'fastest'"),
             ({"scenario": "saitama-misono", "objective": "co2"}, "objective", r"applies to dispatch optimal only"),
             ({"scenario": "saitama-misono", "dispatch": "optimal", "horizon_hours": 1}, "horizon_hours",
              r"must be at least"),
             ({"kind": "launch"}, "kind", r"unknown job kind 'launch'"),
             ({"dispatch": "rule"}, "scenario", r"required field is missing"),
             ({"scenario": "saitama-misono", "colour": 1}, "colour", r"unknown field"),
             ({"kind": "compare", "runs": ["a"]}, "runs", r"give 2 to 8 run ids"),
             ({"kind": "compare", "runs": ["0" * 32, "1" * 32]}, "runs", r"not finished runs"),
             ({"kind": "sweep", "sweep": {"base": "../secret.yaml", "parameters": {}}}, "sweep.base", r"starts from a preset"),
             ({"kind": "sweep", "sweep": {"base": "saitama-misono", "parameters": {"weather.path": ["/etc/x"]}}},
              "sweep.parameters.weather.path", r"file fields cannot be swept"),
             ({"kind": "resilience", "scenario": "saitama-misono", "max_hours": -1}, "max_hours", r"longest outage"),
             ([1, 2], "(body)", r"give a JSON object")]
    for body, field_path, message in cases:
        response = web.post("/api/runs", json=body)
        assert response.status_code == 422, (body, response.text)
        [error] = errors_of(response)
        assert error["field"] == field_path and re.search(message, error["message"]), (body, error)


def test_compare_runs(web, done_run):
    first, data = done_run
    data = json.loads(json.dumps(data))
    data["homes"][0]["pv"]["kwp"] = 3.0
    second = web.post("/api/runs", json={"scenario": data}).json()["id"]
    assert wait_for(web, second)["status"] == "done"
    quick = web.get(f"/api/compare?ids={first},{second}").json()
    assert [r["kpis"]["pv_kwp"] for r in quick["runs"]] == [200.0, 120.0]
    assert web.get(f"/api/compare?ids={first},{second}&format=csv").text.startswith("id,")
    assert web.get(f"/api/compare?ids={first}").status_code == 422
    job = web.post("/api/runs", json={"kind": "compare", "runs": [first, second]})
    assert job.status_code == 202
    view = wait_for(web, job.json()["id"])
    assert view["status"] == "done", view
    table = web.get(f"/api/runs/{view['id']}/comparison?lang=ja").json()
    assert table["head"] == ["指標", "単位"] and len(table["columns"]) == 2
    cells = {row["label"]: row["cells"] for row in table["rows"]}
    assert any(c == ["5.0", "3.0"] for c in cells.values()), cells  # kWp per home
    assert web.get(f"/api/runs/{view['id']}/comparison?format=csv").text.startswith("scenario,")
    assert web.get(f"/api/runs/{view['id']}/report?lang=ms").status_code == 200


def test_resilience_job(web):
    data = short_scenario(web, "saitama-misono")
    job = web.post("/api/runs", json={"kind": "resilience", "scenario": data, "max_hours": 24})
    assert job.status_code == 202
    view = wait_for(web, job.json()["id"])
    assert view["status"] == "done", view
    survival = web.get(f"/api/runs/{view['id']}/resilience").json()
    assert survival["max_hours"] == 24
    assert 0 <= survival["shared"]["critical_survival_hours_p50"] <= 24


def test_size_job_gives_the_sizes_of_the_library(web):
    data = short_scenario(web, "saitama-misono")
    assert data["sizing"], "the Misono preset has a sizing block"
    target = "self_sufficiency_ratio>=0.7"
    job = web.post("/api/runs", json={"kind": "size", "scenario": data, "targets": [target]})
    assert job.status_code == 202, job.text
    view = wait_for(web, job.json()["id"])
    assert view["status"] == "done", view
    sizing = web.get(f"/api/runs/{view['id']}/sizing").json()
    from zerodistrict.design.sizing_run import size

    expected = size(scenario_from_dict(data), [target])
    assert sizing["annual_cost"] == pytest.approx(expected.annual_cost, rel=1e-6)
    assert [t["target"] for t in sizing["targets"]] == [target] and sizing["targets"][0]["holds"]
    assert view["kpis"]["self_sufficiency_ratio"] >= 0.7 - 1e-9
    sized = scenario_from_dict(yaml.safe_load(web.get(f"/api/runs/{view['id']}/sized.yaml").text))
    assert sized.name == scenario_from_dict(data).name
    assert "<html" in web.get(f"/api/runs/{view['id']}/report?lang=ja").text


@pytest.mark.parametrize("extra, field, message", [
    ({"targets": ["self_sufficiency_ratio>=2"]}, "targets", "self_sufficiency_ratio"),
    ({"targets": "net_zero"}, "targets", "at most"),
    ({"objective": "money"}, "objective", "cost or co2"),
    ({"typical_days": 0}, "typical_days", "1 to 366"),
    ({"resimulate_horizon_hours": 12}, "resimulate_horizon_hours", "from 24 to 8784"),
    ({"resimulate_horizon_hours": "48"}, "resimulate_horizon_hours", "whole hours"),
    ({"horizon_hours": 48}, "horizon_hours", "unknown field"),
])
def test_bad_size_jobs_name_the_field(web, extra, field, message):
    response = web.post("/api/runs", json={"kind": "size", "scenario": "saitama-misono", **extra})
    assert response.status_code == 422
    errors = errors_of(response)
    assert errors[0]["field"] == field and message in errors[0]["message"], errors
    no_block = web.post("/api/runs", json={"kind": "size", "scenario": "kuching-north-h2-depot"})
    assert errors_of(no_block) == [{"field": "scenario", "message": "kuching-north-h2-depot has no sizing block: nothing to size"}]


def test_sweep_job_stores_its_designs(web):
    sweep = {"name": "web-batteries", "base": "saitama-misono",
             "parameters": {"period.start": ["2025-03-01"], "period.days": [3],
                            "community.batteries[0].capacity_kwh": [50, 100]}}
    job = web.post("/api/runs", json={"kind": "sweep", "sweep": sweep})
    assert job.status_code == 202, job.text
    view = wait_for(web, job.json()["id"])
    assert view["status"] == "done", view
    listed = web.get("/api/runs?kind=sweep").json()
    assert [r["id"] for r in listed] == [view["id"]]


def test_cancel_a_running_job(web):
    job_id = web.post("/api/runs", json={"scenario": "saitama-misono"}).json()["id"]  # a whole year
    deadline = __import__("time").monotonic() + 120
    while web.get(f"/api/runs/{job_id}").json()["status"] == "queued" and __import__("time").monotonic() < deadline:
        __import__("time").sleep(0.1)
    cancelled = web.delete(f"/api/runs/{job_id}")
    assert cancelled.status_code == 200
    view = wait_for(web, job_id)
    assert view["status"] == "cancelled" and view["kpis"] is None
    assert web.get(f"/api/runs/{job_id}/kpis").status_code == 404
    again = web.delete(f"/api/runs/{job_id}")
    assert again.status_code == 409
    assert re.match(r"the job is cancelled", errors_of(again)[0]["message"])


# --------------------------------------------------------------------------- limits and tokens

def test_queue_limits_and_time_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_QUEUED_PER_CLIENT", 1)
    with serve(f"sqlite:///{tmp_path / 'store.db'}", max_jobs=1, max_jobs_per_client=1, time_limit_s=2) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            first_response = client.post("/api/runs", json={"scenario": "saitama-misono"})
            assert first_response.status_code == 202, first_response.text
            first = first_response.json()["id"]
            while client.get(f"/api/runs/{first}").json()["status"] == "queued":  # started at once: a free slot
                __import__("time").sleep(0.05)
            second = client.post("/api/runs", json={"scenario": "saitama-misono"}).json()["id"]
            third = client.post("/api/runs", json={"scenario": "saitama-misono"})
            assert third.status_code == 429
            assert re.match(r"1 jobs of yours are waiting; the limit is 1", errors_of(third)[0]["message"])
            waiting = client.get(f"/api/runs/{second}").json()
            assert waiting["status"] == "queued" and waiting["queue_position"] == 1
            stopped = wait_for(client, first)
            assert stopped["status"] == "failed"
            assert stopped["error"] == "stopped at the time limit of 2 s"
            assert client.delete(f"/api/runs/{second}").status_code == 200
            assert client.get(f"/api/runs/{second}").json()["status"] == "cancelled"
            assert wait_for(client, second)["status"] == "cancelled"


def test_token_is_needed_everywhere(tmp_path):
    with serve(f"sqlite:///{tmp_path / 'store.db'}", token="s3cret") as base:
        for path in ("/", "/static/app.js", "/docs", "/openapi.json", "/api/meta", "/api/runs"):
            response = httpx.get(base + path)
            assert response.status_code == 401, path
            assert re.match(r"this server needs its token", errors_of(response)[0]["message"])
        assert httpx.get(base + "/api/meta", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.post(base + "/api/runs", json={"scenario": "saitama-misono"}).status_code == 401
        assert httpx.get(base + "/api/meta", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        with httpx.Client(base_url=base) as browser:
            entry = browser.get("/?token=s3cret")
            assert entry.status_code == 303 and "httponly" in entry.headers["set-cookie"].lower()
            assert browser.get("/api/meta").status_code == 200  # the cookie
        assert httpx.get(base + "/?token=wrong").status_code == 401
