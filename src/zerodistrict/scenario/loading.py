"""Loading a scenario: from a preset name, a YAML file or stdin, with one readable error per failure.

The YAML is read strictly: a key given twice in one mapping is an error
(PyYAML would keep the last silently), and a file above
:data:`~zerodistrict.scenario.base.MAX_SCENARIO_BYTES` is refused before it is
parsed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import yaml
from pydantic import ValidationError

from zerodistrict.errors import InputError
from zerodistrict.scenario.base import MAX_SCENARIO_BYTES, format_validation_error
from zerodistrict.scenario.models import Scenario
from zerodistrict.strict_yaml import read_mapping, read_mapping_file

PRESET_DIR = Path(__file__).parent / "presets"


def list_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def scenario_from_dict(data: dict, *, base_dir: Path | None = None, source: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as err:
        raise InputError(format_validation_error(err, source)) from None


def load_scenario(ref: str | Path) -> Scenario:
    """A scenario from a preset name, a YAML path, or ``-`` for stdin."""
    ref_str = str(ref)
    if ref_str == "-":
        text = sys.stdin.read(MAX_SCENARIO_BYTES + 1)
        if len(text) > MAX_SCENARIO_BYTES:
            raise InputError(f"<stdin>: the scenario is larger than the limit of {MAX_SCENARIO_BYTES:,} bytes")
        return scenario_from_dict(read_mapping(text, "<stdin>"), base_dir=Path.cwd(), source="<stdin>")
    path = Path(ref_str)
    try:
        exists = path.exists()
    except OSError as exc:  # e.g. a name too long for the file system
        raise InputError(f"{ref_str[:80]}: not a usable file name ({exc.strerror})") from None
    preset = PRESET_DIR / f"{ref_str}.yaml"
    if exists and path.is_dir():
        if not preset.is_file():
            raise InputError(f"{ref_str}: a folder, not a scenario file (give a YAML file or a preset name)")
        exists = False  # a folder named like a preset (say, an earlier --out): the preset is meant
    if path.suffix.lower() in (".yaml", ".yml") or exists:
        data = read_mapping_file(path, ref_str, "scenario", MAX_SCENARIO_BYTES, what="a scenario")
        return scenario_from_dict(data, base_dir=path.parent, source=ref_str)
    if not preset.is_file():
        raise InputError(
            f"unknown preset {ref_str!r} and no such scenario file; presets: {', '.join(list_presets())}"
        )
    return scenario_from_dict(read_mapping(preset.read_text(encoding="utf-8"), ref_str), base_dir=PRESET_DIR, source=f"preset {ref_str}")


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML (round-trips through :func:`scenario_from_dict`)."""
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    if scenario.economics_skipped:
        data["economics"] = None  # said explicitly: keep it (no bills, costs or NPV)
    buf = io.StringIO()
    yaml.safe_dump(data, buf, sort_keys=False, allow_unicode=True)
    return buf.getvalue()
