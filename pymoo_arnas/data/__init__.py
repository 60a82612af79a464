"""Benchmark tables: finding, loading, caching and downloading them, and the lookup kernel."""

from pymoo_arnas.data.checks import TableFileError
from pymoo_arnas.data.release import DownloadError, download
from pymoo_arnas.data.locate import DataNotFoundError, cache_dir, find_data_dir
from pymoo_arnas.data.lookup import lookup, lookup_kernel
from pymoo_arnas.data.robbench import load_nas_robbench
from pymoo_arnas.data.robustness import (
    ATTACKS,
    CORRUPTIONS,
    DATASETS,
    available_datasets,
    load_robustness,
)
from pymoo_arnas.data.synthetic import synthetic_table
from pymoo_arnas.data.table import BenchmarkTable

__all__ = [
    "ATTACKS",
    "CORRUPTIONS",
    "DATASETS",
    "BenchmarkTable",
    "DataNotFoundError",
    "DownloadError",
    "available_datasets",
    "cache_dir",
    "download",
    "find_data_dir",
    "load_nas_robbench",
    "load_robustness",
    "lookup",
    "lookup_kernel",
    "synthetic_table",
    "TableFileError",
]
