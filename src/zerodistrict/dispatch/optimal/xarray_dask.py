"""xarray without its dask probe: building a linopy model no longer imports dask while no dask array exists.

For every array it wraps, xarray asks whether it is a dask array:
``isinstance(data, array_type("dask"))`` in ``as_compatible_data`` and
``is_duck_dask_array`` → ``dask.base.is_dask_collection``. When dask is
installed (the design sweep runs on it) the first question imports ``dask``
and ``dask.array`` with psutil and jinja2: 0.2–0.3 s of the optimal dispatch's
build, although the LP holds numpy arrays only.

Before ``dask`` is imported no dask array or collection can exist in the
process, so the answer is "no" without asking dask. :func:`install` makes
xarray answer so while ``"dask"`` is not in ``sys.modules``, and ask dask
exactly as before once anything imports it (a sweep, a user's own dask arrays).
The answer is not cached before then, so nothing changes for code that
imports dask later. If xarray's internals move, :func:`install` does nothing
and xarray probes as before (slower, same results).
"""

from __future__ import annotations

import sys

_INSTALLED = "_zerodistrict_lazy_dask_probe"


def install() -> bool:
    """Make xarray's dask checks lazy (idempotent); True if installed, False if xarray's internals differ."""
    try:
        from packaging.version import Version
        from xarray.namedarray import pycompat, utils
    except ImportError:
        return False
    if getattr(pycompat, _INSTALLED, False):
        return True
    get_module = getattr(pycompat, "_get_cached_duck_array_module", None)
    is_collection = getattr(utils, "is_dask_collection", None)
    if get_module is None or is_collection is None:
        return False

    class NoDaskYet:
        """What xarray's ``DuckArrayModule`` says of a module that is not installed (not cached)."""

        module = None
        version = Version("0.0.0")
        type = ()
        available = False

    def cached_duck_array_module(mod):
        if mod == "dask" and "dask" not in sys.modules:
            return NoDaskYet
        return get_module(mod)

    def is_dask_collection(x) -> bool:
        return "dask" in sys.modules and is_collection(x)

    pycompat._get_cached_duck_array_module = cached_duck_array_module
    utils.is_dask_collection = is_dask_collection
    setattr(pycompat, _INSTALLED, True)
    return True
