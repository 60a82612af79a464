"""A small synthetic robustness dataset (generated, not the real tables) for damaged-file tests."""

import json

import numpy as np
import pytest

from pymoo_arnas import space

PGD_EPS = [0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 8.0]


@pytest.fixture(scope="session")
def synthetic_files():
    """``{relative path: bytes}`` of a root with a graph-built meta.json and three cifar10 files."""
    index = space.CellIndex.from_graph()  # NAS-Bench-201 index = genome code
    uid = index.code_to_uid
    meta = {
        "ids": {
            str(c): {"nb201-string": space.to_arch_str(g), "isomorph": str(int(uid[c]))}
            for c, g in enumerate(space.all_genomes())
        },
        "epsilons": {"pgd@Linf": PGD_EPS},
    }
    rng = np.random.default_rng(0)
    uids = [str(u) for u in index.uids]

    def table(key, width):
        acc = {u: (rng.uniform(0, 1, width).round(4).tolist() if width else round(rng.uniform(), 4))
               for u in uids}
        return json.dumps({"cifar10": {key: {"accuracy": acc}}}).encode()

    return {
        "meta.json": json.dumps(meta).encode(),
        "cifar10/clean_accuracy.json": table("clean", None),
        "cifar10/pgd@Linf_accuracy.json": table("pgd@Linf", len(PGD_EPS)),
        "cifar10/fog_accuracy.json": table("fog", 5),
    }


@pytest.fixture
def synthetic_root(tmp_path, synthetic_files, monkeypatch):
    """Write the synthetic dataset under ``tmp_path/root`` (cache in ``tmp_path/cache``)."""
    monkeypatch.setenv("ARNAS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "root"
    for name, data in synthetic_files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@pytest.fixture
def edit_json():
    """``edit_json(path, fn)``: rewrite a JSON file with ``fn(obj)`` applied (in place)."""

    def edit(path, fn):
        obj = json.loads(path.read_text())
        fn(obj)
        path.write_text(json.dumps(obj))

    return edit
