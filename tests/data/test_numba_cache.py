"""numba's on-disk cache: nowhere writable must not break importing the lookup kernels."""

import ctypes
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import pymoo_arnas

PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER = 1, 2, 3

SCRIPT = """
import sys, warnings
import numpy as np
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    import pymoo_arnas.data
lookup = sys.modules["pymoo_arnas.data.lookup"]
assert lookup.__file__.startswith(sys.argv[1]), lookup.__file__
X = np.array([[0, 1, 2, 3, 4, 0]])
rows, values = lookup.lookup(X, np.zeros(15625, np.int32), np.ones((1, 1)))
print("ok", rows.tolist(), values.tolist())
for w in caught:
    print("WARNING", w.category.__name__, w.message)
"""


def drop_root_write_override():
    """Run as root without the capabilities that let root ignore file modes (so a read-only
    folder is read-only to the child, as to any user)."""
    if os.geteuid() == 0:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
        for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER):
            if prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
                os._exit(77)


def make_read_only(path: Path):
    for p in [path, *path.rglob("*")]:
        mode = p.stat().st_mode
        p.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.mark.slow  # compiles the kernels in a fresh process without a cache (~8 s)
@pytest.mark.skipif(sys.platform != "linux", reason="drops Linux capabilities when run as root")
def test_read_only_package_and_home_fall_back_to_no_cache_with_one_warning(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(Path(pymoo_arnas.__file__).parent, site / "pymoo_arnas",
                    ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    make_read_only(site)
    make_read_only(home)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "PYTHONPATH")}
    env.update(HOME=str(home), PYTHONPATH=str(site))
    try:
        proc = subprocess.run([sys.executable, "-c", SCRIPT, str(site)], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300,
                              preexec_fn=drop_root_write_override)
    finally:
        for p in [site, home, *site.rglob("*")]:
            p.chmod(p.stat().st_mode | stat.S_IWUSR)  # so tmp_path can be cleaned up
    if proc.returncode == 77:
        pytest.skip("cannot drop root's file-permission override here")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "ok [0] [[1.0]]" in proc.stdout
    warnings = [line for line in proc.stdout.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "RuntimeWarning" in warnings[0], proc.stdout
    assert "NUMBA_CACHE_DIR" in warnings[0]
