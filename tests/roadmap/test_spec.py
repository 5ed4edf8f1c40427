"""Roadmap files: strict models, and one readable error naming the field for each kind of bad input."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from zerodistrict.errors import InputError
from zerodistrict.roadmap import list_roadmap_presets, load_roadmap, roadmap_from_dict
from zerodistrict.roadmap.spec import PRESET_DIR
from paths import REPO

TINY = yaml.safe_load(Path(__file__).with_name("tiny.yaml").read_text(encoding="utf-8"))


def changed(path: str, value):
    """TINY with the value at a dotted path (list items by index) replaced; ``...`` deletes it."""
    data = copy.deepcopy(TINY)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = data
    for part in parents:
        node = node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize("path, value, message", [
    ("city.housing.0.homes", -1, r"city\.housing\[0\]\.homes: Input should be greater than or equal to 0"),
    ("city.housing.0.source", ..., r"city\.housing\[0\]\.source: required field is missing"),
    ("city.housing.1.type", "terrace", r"city\.housing: dwelling type 'terrace' is given twice"),
    ("city.colour", "blue", r"city\.colour: unknown field"),
    ("designs.0.applies_to", ["villa"], r"designs\[0\]\.applies_to: 'villa' is not a dwelling type of city\.housing"),
    ("designs.0.adoption.s_curve", {"start_year": 2026, "midpoint_year": 2030, "steepness_per_year": 1,
                                    "saturation_ratio": 0.5},
     r"designs\[0\]\.adoption: give either s_curve or homes_per_year \(exactly one\)"),
    ("designs.0.adoption.homes_per_year", {2031: 5},
     r"designs\[0\]\.adoption\.homes_per_year: years 2031–2031 lie outside start_year–end_year 2026–2027"),
    ("grid.points", [{"year": 2026, "value": 0.5}, {"year": 2027, "value": 0.3}],
     r"grid\.points: cover 2026–2027; the roadmap needs 2025–2027"),
    ("grid.points", [{"year": 2027, "value": 0.5}, {"year": 2025, "value": 0.3}],
     r"grid\.points: years must rise strictly, got \[2027, 2025\]"),
    ("designs.0.objective", "co2", r"designs\[0\]: objective 'co2' applies to dispatch: optimal only, not rule"),
    ("end_year", 2020, r"end_year 2020 is before start_year 2026"),
    ("target.milestones", [{"year": 2024, "reduction_ratio": 0.5, "source": "assumption"}],
     r"target\.milestones: the first year 2024 must come after target\.base_year 2025"),
    ("target.milestones", [{"year": 2030, "reduction_ratio": 1.5, "source": "assumption"}],
     r"target\.milestones\[0\]\.reduction_ratio: Input should be less than or equal to 1"),
])
def test_bad_roadmaps_name_the_field(path, value, message):
    with pytest.raises(InputError, match=r"^roadmap: invalid roadmap\n  (.|\n)*" + message):
        roadmap_from_dict(changed(path, value))


def test_a_type_takes_one_design():
    data = copy.deepcopy(TINY)
    data["designs"].append(copy.deepcopy(data["designs"][0]))
    with pytest.raises(InputError, match=r"designs\[1\]\.applies_to: 'terrace' is converted by designs\[0\] already"):
        roadmap_from_dict(data)


def test_unknown_roadmap_names_the_presets():
    with pytest.raises(InputError, match=r"unknown roadmap 'atlantis' and no such file; roadmap presets: "
                                         r"kuala-lumpur-2050, kuching-2050, penang-2030"):
        load_roadmap("atlantis")


def test_missing_file_and_duplicate_keys(tmp_path):
    with pytest.raises(InputError, match=r"nope\.yaml: roadmap file not found"):
        load_roadmap(tmp_path / "nope.yaml")
    path = tmp_path / "twice.yaml"
    path.write_text("name: a\nname: b\n")
    with pytest.raises(InputError, match=r"key 'name' is given twice"):
        load_roadmap(path)


@pytest.mark.parametrize("name", list_roadmap_presets())
def test_presets_load_and_cite_listed_sources(name):
    roadmap, base = load_roadmap(name)
    assert base == PRESET_DIR and roadmap.name == name and roadmap.end_year == 2050
    text = (PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\| ([A-Z]\d+) \|", (REPO / "docs" / "sources.md").read_text(encoding="utf-8"),
                          flags=re.MULTILINE))
    cited = set(re.findall(r"\[([A-Z]\d+)\]", text))
    assert cited and cited <= keys, sorted(cited - keys)
    # every source is a citation or says it is an assumption
    for node in _sources(yaml.safe_load(text)):
        assert re.search(r"\[[A-Z]\d+\]|assumption", node), node


def _sources(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "source":
                yield value
            else:
                yield from _sources(value)
    elif isinstance(node, list):
        for item in node:
            yield from _sources(item)
