"""The command line with awkward input: names that look like markup, --out folders that cannot take the
outputs, options that do not apply, compare columns by scenario with units, presets at 80 columns."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import zerodistrict.pipeline
from zerodistrict.cli import app
from zerodistrict.errors import InputError
from zerodistrict.pipeline import check_dispatch_options
from zerodistrict.results.writers import check_out_dir
from zerodistrict.scenario import dump_scenario, list_presets, load_scenario

runner = CliRunner()
MARKUP_NAMES = ("[/b]", "[bold]x[/bold]", "[kW] design")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def _short(tmp_path: Path, name: str = "saitama-misono", preset: str = "saitama-misono", days: int = 2,
           group: str | None = None, file: str | None = None) -> Path:
    """A preset cut to a few days, renamed (the name may hold markup), written as YAML."""
    data = yaml.safe_load(dump_scenario(load_scenario(preset)))
    data["name"] = name
    data["period"] = {"year": 2025, "start": "2025-07-01", "days": days}
    if group is not None:
        data["homes"][0]["group"] = group
    path = tmp_path / (file or f"{abs(hash(name))}.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def no_simulation(monkeypatch):
    """Any simulation fails the test: the checks must come before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the simulation started")

    monkeypatch.setattr(zerodistrict.pipeline, "run", refuse)


# --------------------------------------------------------------------------- user text is text


@pytest.mark.parametrize("name", MARKUP_NAMES)
def test_run_and_validate_print_markup_like_names_verbatim(name, tmp_path):
    f = _short(tmp_path, name=name, group=f"{name} group")
    res = invoke("validate", f)
    assert res.exit_code == 0, res.output
    assert f"ok: {name} — 51 homes" in res.output
    res = invoke("run", f)
    assert res.exit_code == 0, res.output
    assert f"{name} — rule dispatch, 2025" in res.output and "Traceback" not in res.output


def test_resilience_prints_a_markup_like_name_verbatim(tmp_path):
    f = _short(tmp_path, name="[/b]", group="[kW]")
    res = invoke("resilience", f, "--max-hours", 12)
    assert res.exit_code == 0, res.output
    assert "[/b] — outage survival" in res.output


def test_compare_columns_are_the_scenario_names_verbatim(tmp_path):
    a = _short(tmp_path, name="[/b]", group="[kW] terraces")
    b = _short(tmp_path, name="[bold]x[/bold]", group="[/b]")
    out = tmp_path / "cmp"
    res = invoke("compare", a, b, "--out", out)
    assert res.exit_code == 0, res.output
    header = next(line for line in res.output.splitlines() if "Indicator" in line)
    assert "[/b]" in header and "[bold]x[/bold]" in header and "Unit" in header
    assert list(pd.read_csv(out / "compare.csv", index_col=0).index) == ["[/b]", "[bold]x[/bold]"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<th>[/b]</th><th>[bold]x[/bold]</th>" in html


def test_presets_print_markup_like_names_verbatim(monkeypatch):
    import zerodistrict.scenario as scenario_pkg

    sc = load_scenario("saitama-misono")
    fake = sc.model_copy(update={"name": "[/b]", "description": "[kW] is a unit. More.",
                                 "site": sc.site.model_copy(update={"name": "[bold]x[/bold]"})})
    monkeypatch.setattr(scenario_pkg, "list_presets", lambda: ["[/b]"])
    monkeypatch.setattr(scenario_pkg, "load_scenario", lambda name: fake)
    res = invoke("presets")
    assert res.exit_code == 0, res.output
    assert "[/b]" in res.output and "[bold]x[/bold]" in res.output and "[kW] is a unit." in res.output


def test_an_error_message_prints_verbatim(tmp_path):
    res = invoke("run", "saitama-misono", "--weather", tmp_path / "[kW] x[/b].epw")
    assert res.exit_code == 1
    assert f"error: --weather {tmp_path / '[kW] x[/b].epw'}: file not found" in res.output
    assert "Traceback" not in res.output
    res = invoke("validate", tmp_path / "[bold]nope[/bold].yaml")
    assert res.exit_code == 1 and "[bold]nope[/bold].yaml" in res.output


# --------------------------------------------------------------------------- outputs are safe


def test_out_that_is_a_file_or_under_a_file_is_refused_before_the_run(tmp_path, no_simulation):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    for command in (("run", "saitama-misono"), ("resilience", "saitama-misono"),
                    ("compare", "saitama-misono", "kuching-north")):
        res = invoke(*command, "--out", blocker)
        assert res.exit_code == 1, res.output
        assert f"--out {blocker}: is a file, not a folder" in res.output
        res = invoke(*command, "--out", blocker / "sub" / "dir")
        assert res.exit_code == 1, res.output
        assert f"{blocker} is a file, so no folder can be made under it" in res.output
    assert blocker.read_text() == "mine" and [p.name for p in tmp_path.iterdir()] == ["file"]


def test_out_that_cannot_be_written_is_refused(tmp_path, no_simulation):
    target = Path("/sys/zerodistrict-test-out")  # sysfs: read-only even for root
    try:
        os.rmdir(tempfile.mkdtemp(dir="/sys"))
        pytest.skip("/sys is writable here: no folder to test an unwritable --out with")
    except OSError:
        pass
    res = invoke("run", "saitama-misono", "--out", target)
    assert res.exit_code == 1 and f"--out {target}: cannot write in /sys" in res.output


def test_a_non_empty_out_is_refused_without_force(tmp_path, no_simulation):
    out = tmp_path / "out"
    out.mkdir()
    (out / "png").write_text("in the way")  # a file named png where --png would put its folder
    res = invoke("run", "saitama-misono", "--out", out, "--png")
    assert res.exit_code == 1 and "the folder is not empty" in res.output and "--force" in res.output
    assert [p.name for p in out.iterdir()] == ["png"] and (out / "png").read_text() == "in the way"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_check_out_dir_accepts_new_and_empty_folders(tmp_path):
    assert check_out_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty")
    (tmp_path / "empty" / "x.txt").write_text("")
    with pytest.raises(InputError, match="not empty"):
        check_out_dir(tmp_path / "empty")
    check_out_dir(tmp_path / "empty", force=True)
    assert not (tmp_path / "a").exists()  # checking creates nothing


def test_force_never_replaces_the_current_or_home_folder(tmp_path, monkeypatch):
    (tmp_path / "work" / "sub").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work" / "sub")
    for folder in (Path("."), Path(".."), tmp_path / "work", Path.home()):
        with pytest.raises(InputError, match="is the current or home folder"):
            check_out_dir(folder, force=True)


def test_a_disk_that_fails_while_writing_is_one_message_and_nothing_written(tmp_path, monkeypatch):
    import zerodistrict.results.writers as writers

    def full(result, folder):
        (folder / "kpis.json").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "write_run_files", full)
    out = tmp_path / "out"
    res = invoke("run", _short(tmp_path, days=1), "--out", out)
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"--out {out}: could not write the outputs (No space left on device); nothing was written" in res.output
    assert not out.exists() and not list(tmp_path.glob(".zerodistrict-*"))


def test_gbfs_out_that_is_a_folder_or_under_a_file_is_refused(tmp_path):
    feed = Path(__file__).parent / "data" / "gbfs" / "v2.3"
    res = invoke("gbfs", feed, "--out", tmp_path)
    assert res.exit_code == 1 and f"--out {tmp_path}: is a folder; give a file name" in res.output
    (tmp_path / "f").write_text("")
    res = invoke("gbfs", feed, "--out", tmp_path / "f" / "m.yaml")
    assert res.exit_code == 1 and "is a file, so no folder can be made under it" in res.output


def _tree(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


def test_force_replaces_the_folder_whole_with_the_same_contents_and_ordinary_modes(tmp_path):
    f = _short(tmp_path, file="saitama-misono.yaml")
    out = tmp_path / "out"
    mask = os.umask(0o022)
    try:
        assert invoke("run", f, "--out", out).exit_code == 0
        first = _tree(out)
        res = invoke("run", f, "--out", out, "--png", "--force")
        assert res.exit_code == 0, res.output
        assert (out / "png").is_dir()
        res = invoke("run", f, "--out", out, "--force")  # without --png: no stale png/ folder
        assert res.exit_code == 0, res.output
    finally:
        os.umask(mask)
    second = _tree(out)
    assert sorted(first) == sorted(second) == ["homes.csv", "kpis.json", "report.html", "stations.csv",
                                               "timeseries.csv"]
    assert first == second  # byte for byte
    assert (out.stat().st_mode & 0o777) == 0o755
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()} == dict.fromkeys(second, 0o644)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "saitama-misono.yaml"]


def test_png_files_have_ordinary_modes(tmp_path):
    f = _short(tmp_path, days=1)
    out = tmp_path / "out"
    mask = os.umask(0o022)
    try:
        assert invoke("run", f, "--out", out, "--png").exit_code == 0
    finally:
        os.umask(mask)
    assert (out / "png").stat().st_mode & 0o777 == 0o755
    pngs = list((out / "png").iterdir())
    assert pngs and all(p.stat().st_mode & 0o777 == 0o644 for p in pngs)


# --------------------------------------------------------------------------- options that do not apply


@pytest.mark.parametrize("args, message", [
    (("run", "saitama-misono", "--objective", "co2"), "--objective: applies to --dispatch optimal only"),
    (("run", "saitama-misono", "--horizon-hours", "48"), "--horizon-hours: applies to --dispatch optimal only"),
    (("run", "saitama-misono", "--dispatch", "optimal", "--horizon-hours", "12"), "--horizon-hours: must be at least 24"),
    (("run", "saitama-misono", "--dispatch", "optimal", "--objective", "money"), "--objective: 'money' is not one of"),
    (("run", "saitama-misono", "--png"), "--png: needs --out DIR"),
    (("run", "saitama-misono", "--lang", "ja"), "--lang: needs --out DIR"),
    (("run", "saitama-misono", "--force"), "--force: applies to --out DIR only"),
    (("compare", "saitama-misono", "kuching-north", "--png"), "--png: needs --out DIR"),
    (("compare", "saitama-misono", "kuching-north", "--force"), "--force: applies to --out DIR only"),
    (("resilience", "saitama-misono", "--force"), "--force: applies to --out DIR only"),
    (("resilience", "saitama-misono", "--weather", "nope.epw"), "--weather nope.epw: file not found"),
])
def test_options_that_do_not_apply_exit_1_before_the_run(args, message, no_simulation):
    res = invoke(*args)
    assert res.exit_code == 1, res.output
    assert message in res.output and "Traceback" not in res.output
    assert res.output.count("error:") == 1


def test_check_dispatch_options_in_the_library():
    assert check_dispatch_options("rule") == {}
    assert check_dispatch_options("rule", objective=None, horizon_hours=None) == {}
    assert check_dispatch_options("optimal", objective="co2", horizon_hours=None) == {"objective": "co2"}
    assert check_dispatch_options("optimal", horizon_hours=48) == {"horizon_hours": 48}
    with pytest.raises(InputError, match=r"--objective: applies to --dispatch optimal only, not to --dispatch rule"):
        check_dispatch_options("rule", objective="cost")
    with pytest.raises(InputError, match=r"--dispatch: unknown dispatch 'magic'"):
        check_dispatch_options("magic")
    with pytest.raises(InputError, match=r"--mip-gap: is not a dispatch option"):
        check_dispatch_options("optimal", mip_gap=0.1)


def test_the_pipeline_refuses_options_that_do_not_apply():
    with pytest.raises(InputError, match="--horizon-hours: applies to --dispatch optimal only"):
        zerodistrict.pipeline.run(load_scenario("saitama-misono"), dispatch="rule", horizon_hours=48)


# --------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize("args", [
    ("run",), ("run", "saitama-misono", "--dispatch", "magic"), ("run", "saitama-misono", "--bogus"),
    ("compare",), ("resilience", "saitama-misono", "--max-hours", "many"), ("run", "saitama-misono", "--horizon-hours", "1.5"),
])
def test_bad_usage_is_exit_2(args):
    assert invoke(*args).exit_code == 2


@pytest.mark.parametrize("args", [
    ("run", "no-such-preset"), ("compare", "saitama-misono"), ("resilience", "saitama-misono", "--max-hours", "-1"),
    ("run", "saitama-misono", "--out", "x", "--lang", "fr"),
])
def test_bad_input_is_exit_1_with_one_message(args, no_simulation):
    res = invoke(*args)
    assert res.exit_code == 1 and res.output.count("error:") == 1 and "Traceback" not in res.output


# --------------------------------------------------------------------------- compare and presets


def test_compare_tells_two_designs_at_one_site_apart_with_a_unit_on_every_row(tmp_path):
    a = _short(tmp_path, name="misono-as-built")
    data = yaml.safe_load(_short(tmp_path, name="misono-no-battery").read_text(encoding="utf-8"))
    data["community"]["batteries"] = []
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    res = invoke("compare", a, b)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    header = next(line for line in lines if "Indicator" in line)
    assert "misono-as-built" in header and "misono-no-battery" in header
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in lines if line.startswith("│")]
    values = [row for row in rows if row[2]]  # a wrapped label continues on rows without values
    assert len(values) >= 20 and all(row[1] for row in values), values  # every row has its unit
    units = {row[0]: row[1] for row in values}
    assert units["PV yield"] == "kWh/kWp" and units["Self-sufficiency"] == "%"
    assert units["Net energy cost per home"] == "JPY" and units["Homes"] == "homes"
    assert {"kWp", "kWh", "kg", "JPY/kWp", "years", "h", "trips"} <= set(units.values())


def _preset_blocks(text: str) -> list[list[list[str]]]:
    blocks, block = [], []
    for line in text.splitlines():
        if line.startswith("│"):
            block.append([cell.strip() for cell in line.split("│")[1:-1]])
        elif block:
            blocks.append(block)
            block = []
    return blocks


def test_presets_show_whole_names_and_words_at_80_columns():
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "zerodistrict.cli", "presets"], capture_output=True, text=True,
                          env=env, check=True)
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    blocks = _preset_blocks(done.stdout.split("Roadmaps (")[0])  # the scenarios' table (the roadmaps' follows)
    assert [block[0][0] for block in blocks] == list_presets()  # each name whole on its first line
    for block, name in zip(blocks, list_presets()):
        sc = load_scenario(name)
        assert block[0][1] == str(sc.n_homes)
        shown = " ".join(" ".join(row[2] for row in block).split())
        # every word as written: nothing cut or folded mid-word
        assert shown.startswith(" ".join(sc.site.name.split()) + " ")
        words = set(" ".join(sc.description.split()).split())
        assert set(shown.split()) - set(sc.site.name.split()) <= words
