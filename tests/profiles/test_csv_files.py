"""Profile CSVs: non-finite and implausible values are refused with the file and the data row."""

import pandas as pd
import pytest

from zerodistrict.errors import InputError
from zerodistrict.profiles.csv_files import read_profile_csv

INDEX = pd.date_range("2025-06-02", periods=24, freq="h", tz="Asia/Tokyo")


def write(tmp_path, values):
    path = tmp_path / "p.csv"
    pd.DataFrame({"time": INDEX.tz_localize(None).strftime("%Y-%m-%dT%H:%M"), "kW": values}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("bad", ["inf", "-inf", "1e999", "-Infinity"])
def test_infinite_values(tmp_path, bad):
    values = ["0.5"] * 24
    values[7] = bad
    with pytest.raises(InputError, match=r"p\.csv: value -?inf on data row 8 is not finite \(price\)"):
        read_profile_csv(write(tmp_path, values), INDEX, "price", allow_negative=True)


def test_values_beyond_the_bound(tmp_path):
    values = [0.5] * 24
    values[3] = -2e6
    path = write(tmp_path, values)
    with pytest.raises(InputError, match=r"value -2e\+06 on data row 4 is beyond the plausible ±100000 \(price\)"):
        read_profile_csv(path, INDEX, "price", allow_negative=True, max_abs=1e5)
    values[3] = 0.7
    assert read_profile_csv(write(tmp_path, values), INDEX, "price", max_abs=1e5)[3] == 0.7
