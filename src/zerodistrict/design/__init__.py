"""Designs in numbers: sweeps of many scenarios over their parameters (sweep files, Dask execution)."""
