"""xarray's dask probe made lazy (dispatch/optimal/xarray_dask.py): no dask import for numpy arrays, and dask
arrays are still seen as dask arrays once dask is imported."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
import numpy as np
from zerodistrict.dispatch.optimal import OptimalModel  # installs the lazy probe before linopy's first array
import xarray as xr
from xarray.namedarray.pycompat import array_type
from xarray.namedarray.utils import is_duck_dask_array
before = "dask" in sys.modules
plain = xr.DataArray(np.arange(4.0), dims="t")
out = {{"dask_after_numpy": "dask" in sys.modules, "before": before}}
{more}
print(json.dumps(out))
"""

WITH_DASK = """
import dask.array as da
lazy = xr.DataArray(da.arange(4.0, chunks=2), dims="t")
out["dask_type_seen"] = array_type("dask") == (da.Array,)
out["is_dask"] = is_duck_dask_array(lazy.data)
out["chunked"] = lazy.chunks is not None
out["sum"] = float((lazy + plain).sum().compute())
out["plain_is_dask"] = is_duck_dask_array(plain.data)
"""


def probe(more: str = "") -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE.format(more=more)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_numpy_arrays_do_not_import_dask():
    assert probe() == {"dask_after_numpy": False, "before": False}


def test_dask_arrays_still_work_once_dask_is_imported():
    pytest.importorskip("dask.array")
    out = probe(WITH_DASK)
    assert out["dask_type_seen"] and out["is_dask"] and out["chunked"]
    assert out["sum"] == 12.0
    assert out["plain_is_dask"] is False


def test_install_is_idempotent():
    from xarray.namedarray import pycompat

    from zerodistrict.dispatch.optimal import xarray_dask

    first = pycompat._get_cached_duck_array_module
    assert xarray_dask.install() is True
    assert pycompat._get_cached_duck_array_module is first
