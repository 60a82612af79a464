"""The notebooks run top to bottom (nbclient) without errors or warnings, each well under a
minute; they are committed executed, so a reader on the web sees the tables and figures.

To refresh a notebook's committed outputs after a change, execute it in place, e.g.
``cd notebooks && jupyter execute --inplace 01_quickstart.ipynb`` (nbclient: the
``notebooks`` extra, part of ``dev``).
"""

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("0*.ipynb"))
TAPE = NOTEBOOKS / "data" / "gemma3-270m-nsga2-tape.jsonl"


def _needs(name):
    if name.startswith("03"):
        if not TAPE.is_file():
            pytest.skip(f"no recorded tape at {TAPE}")
        if importlib.util.find_spec("pymoo_arnas.operators.llm") is None:
            pytest.skip("the LLM operators are not installed")


def _problems(nb):
    """Error outputs and warnings printed to stderr, as ``(cell number, text)``."""
    out = []
    for i, cell in enumerate(nb.cells):
        for o in cell.get("outputs", []) if cell.cell_type == "code" else ():
            if o.get("output_type") == "error":
                out.append((i, f"{o['ename']}: {o['evalue']}"))
            elif o.get("name") == "stderr" and "Warning" in o.get("text", ""):
                out.append((i, o["text"]))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    _needs(name)
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    # e.g. tqdm's "IProgress not found" without ipywidgets (the `notebooks` extra has it)
    assert not _problems(nb)


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_executed(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    counts = [c.get("execution_count") for c in code]
    assert None not in counts, f"{name}: cells {[i for i, n in enumerate(counts) if n is None]} " \
                               f"were not executed; execute the notebook and commit it"
    assert counts == list(range(1, len(code) + 1)), f"{name}: executed out of order: {counts}"
    assert any(c.get("outputs") for c in code)
    assert not _problems(nb)
