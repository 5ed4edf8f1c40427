"""A disk cache of a site's profiles: its weather, PV output per kWp and load shapes.

Computing them is the same work on every run of a scenario: the weather of the period, pvlib's model
chain for each PV array, the households' load shapes and the buildings' heating and cooling. The numbers
depend only on the scenario's site, period, weather, homes and PV arrays (what
:func:`zerodistrict.pipeline.profiles_key` hashes), on the files they name, on zerodistrict's own code and
on the numerical libraries. A run stores them here; the next run of the same inputs reads them back
bit for bit, and skips the work and the import of pvlib (together about 0.5 s of a 2.5 s run on
this machine, 2026-12-01).

Where: ``$ZERODISTRICT_CACHE`` (a folder; ``off`` turns the cache off), else
``$XDG_CACHE_HOME/zerodistrict`` or ``~/.cache/zerodistrict``. Each entry is one ``.npz`` file (arrays
only, no pickles), written to a temporary name and renamed, so a reader never sees half of one. The
key of an entry hashes the inputs above, the content of every file they name, the bytes of every file
of the zerodistrict package and the versions of Python, numpy, pandas, scipy and pvlib: any change to
any of them is a new entry. At most :data:`MAX_BYTES` are kept; the entries read least recently go
first. A cache that cannot be read or written is passed over silently (the profiles are computed).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

ENV = "ZERODISTRICT_CACHE"
#: at most this many bytes of entries (assumption: 1 GiB; a year of 50 homes is about 4 MB)
MAX_BYTES = 1 << 30
SUFFIX = ".npz"
_LIBRARIES = ("numpy", "pandas", "scipy", "pvlib")


def cache_dir() -> Path | None:
    """The profiles' folder, or None when ``$ZERODISTRICT_CACHE`` is ``off``."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser() / "profiles"
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if not base:
        try:
            base = Path.home() / ".cache"
        except RuntimeError:  # no home folder to be found: no cache
            return None
    return Path(base) / "zerodistrict" / "profiles"


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of every file of the zerodistrict package and of the libraries' versions (about 5 ms)."""
    from importlib import metadata

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(sys.version.encode())
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=none".encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            h.update(str(path.relative_to(root)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def _named_files(data) -> list[str]:
    """Every string in ``data`` (nested lists and dicts) that names an existing file."""
    found: list[str] = []

    def walk(x) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
        elif isinstance(x, str) and 0 < len(x) < 4096 and os.path.isfile(x):
            found.append(x)

    walk(data)
    return sorted(set(found))


def entry_key(key_data) -> str:
    """The entry's name: sha256 of ``key_data`` (JSON-able), the files it names and the code."""
    h = hashlib.sha256(json.dumps(key_data, sort_keys=True, default=str).encode())
    for name in _named_files(key_data):
        h.update(name.encode())
        h.update(hashlib.sha256(Path(name).read_bytes()).digest())
    h.update(code_fingerprint().encode())
    return h.hexdigest()[:32]


def load(key_data, n_steps: int) -> dict | None:
    """The arrays stored for ``key_data`` (see :func:`store`), or None (no cache, no entry, a bad entry)."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / (entry_key(key_data) + SUFFIX)
    try:
        with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as f:
            manifest = json.loads(str(f["manifest"]))
            arrays = {name: f[name] for name in f.files if name != "manifest"}
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001  (a truncated or foreign file: compute, and replace it)
        log.info("profile cache: %s unreadable (%s); computing the profiles", path, exc)
        return None
    if manifest.get("steps") != n_steps or any(a.shape[0] != n_steps for a in arrays.values()):
        return None
    _touch(path)  # read recently: evicted last
    return {"manifest": manifest, "arrays": arrays}


def store(key_data, manifest: dict, arrays: dict[str, np.ndarray]) -> Path | None:
    """Write ``arrays`` (each with the period's steps first) and ``manifest`` (JSON) for ``key_data``."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / (entry_key(key_data) + SUFFIX)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as fh:
            np.savez(fh, manifest=np.array(json.dumps(manifest)), **arrays)
        os.replace(tmp, path)
        _touch(path)
        _evict(folder)
    except OSError as exc:
        log.info("profile cache: cannot write %s (%s)", path, exc)
        try:
            tmp.unlink()
        except OSError:
            pass
        return None
    return path


def _touch(path: Path) -> None:
    """Set the entry's modification time to now, to the nanosecond (the file system's own clock is coarser)."""
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except OSError:
        pass


def _evict(folder: Path) -> None:
    """Remove the entries read or written least recently until at most :data:`MAX_BYTES` remain."""
    entries = []
    for p in folder.glob("*" + SUFFIX):
        try:
            st = p.stat()
        except OSError:
            continue
        entries.append((st.st_mtime_ns, st.st_size, p))
    total = sum(size for _, size, _ in entries)
    for _, size, p in sorted(entries):
        if total <= MAX_BYTES:
            break
        try:
            p.unlink()
            total -= size
        except OSError:
            pass


def clear() -> int:
    """Remove every entry; returns how many."""
    folder = cache_dir()
    if folder is None or not folder.is_dir():
        return 0
    n = 0
    for p in folder.glob("*" + SUFFIX):
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n
