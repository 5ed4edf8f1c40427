"""Reading YAML strictly: a key given twice in one mapping is an error, the result must be a mapping, and
every failure is one readable InputError naming the source and line.

PyYAML keeps the last of two equal keys silently; here that is an error naming the key and both lines.
libyaml's parser is used where PyYAML has it (≈10× faster), the pure-Python one only to word a syntax
error. Scenarios, sweep files and the reference-data catalog are all read with :func:`read_mapping`.
"""

from __future__ import annotations

import gc

from pathlib import Path

import yaml

from zerodistrict.errors import InputError


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice."""


class _UniqueKeys:
    """Mixin for a PyYAML loader: a key repeated in one mapping is an error naming the key and both lines."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = key_node.value
                if key in seen:
                    raise DuplicateKeyError(
                        None, None, f"key {key!r} is given twice (first on line {seen[key] + 1})", key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _FastLoader(_UniqueKeys, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's parser where PyYAML has it (≈10× faster: start-up of ``validate``/``presets``)."""


class _PlainLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python parser, for its clearer messages on malformed YAML."""


def _load_fast(text: str):
    """libyaml with the cyclic garbage collector paused: a large file allocates millions of small
    objects that are all kept, so the collector's passes are pure cost (3× faster on a 4 MB file)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return yaml.load(text, Loader=_FastLoader)
    finally:
        if enabled:
            gc.enable()


def read_mapping(text: str, source: str, what: str = "a scenario", of: str = "fields") -> dict:
    """``text`` parsed as a YAML mapping; one InputError naming ``source`` (and line) for anything else."""
    try:
        try:
            data = _load_fast(text)
        except DuplicateKeyError:
            raise
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_PlainLoader)  # the pure-Python parser's message for the error
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        raise InputError(f"{source}: line {mark.line + 1}, column {mark.column + 1}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{source}:{where}: malformed YAML: {problem}") from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: {what} must be a YAML mapping of {of}, got {type(data).__name__}")
    return data


def read_mapping_file(path: Path, source: str, noun: str, max_bytes: int, what: str) -> dict:
    """The YAML mapping in the file ``path`` (named ``source`` in messages, a ``noun`` file: "scenario",
    "roadmap"), refused before parsing when larger than ``max_bytes``; one InputError for anything wrong."""
    if not path.is_file():
        raise InputError(f"{source}: {noun} file not found")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"{source}: the {noun} file has {size:,} bytes; the limit is {max_bytes:,}")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{source}: cannot read {noun} file: {exc}") from None
    return read_mapping(text, source, what=what)

