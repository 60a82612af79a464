"""Argument types and checks shared by the sub-commands.

Examples
--------
>>> from pymoo_arnas.cli.options import csv_list, positive_int, seeds
>>> positive_int("3"), csv_list("a, b,,c"), seeds("3"), seeds("0,5")
(3, ['a', 'b', 'c'], 3, [0, 5])
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: expected a positive integer; got '0'
"""

from __future__ import annotations

import argparse


def csv_list(text: str) -> list:
    """``"a,b"`` -> ``["a", "b"]`` (blanks and empty items dropped)."""
    return [t.strip() for t in str(text).split(",") if t.strip()]


def positive_int(text: str) -> int:
    """An integer >= 1, else an ``ArgumentTypeError`` naming the value."""
    try:
        v = int(text)
    except ValueError:
        v = 0
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer; got {text!r}")
    return v


def positive_ints(text: str) -> list:
    """``"100,300"`` -> ``[100, 300]``, each >= 1."""
    return [positive_int(x) for x in csv_list(text)]


def seeds(text: str):
    """``"10"`` -> 10 seeds (0..9); ``"3,5,7"`` -> those seeds."""
    items = csv_list(text)
    if len(items) == 1 and items[0].isdigit():
        n = int(items[0])
        if n < 1:
            raise argparse.ArgumentTypeError(f"expected a count >= 1; got {text!r}")
        return n
    try:
        out = [int(s) for s in items]
    except ValueError:
        out = []
    if not out:
        raise argparse.ArgumentTypeError(
            f"takes a count ('10') or a list of seeds ('0,3,7'); got {text!r}"
        )
    return out


def add_data_dir(parser, note: str = "") -> None:
    """``--data-dir``: the root of the robustness dataset (``note``: what the command does
    without one)."""
    parser.add_argument("--data-dir", default=None,
                        help="root of the robustness dataset (default: $ARNAS_DATA, shared/data "
                             f"beside the working directory, or the user cache{note})")


def add_parallel(parser, what: str = "tasks") -> None:
    """``--workers N`` and ``--scheduler ADDRESS``, as :mod:`pymoo_arnas.parallel` runs
    ``what`` (``parser`` may be an argument group)."""
    parser.add_argument("--workers", type=positive_int, default=1,
                        help=f"local worker processes for the {what} (default 1: run them in "
                             "this process)")
    parser.add_argument("--scheduler", metavar="ADDRESS", default=None,
                        help="run on an existing Dask cluster (tcp://host:8786), or 'local' for "
                             "a LocalCluster of --workers processes (dask extra)")


def objective_help(attacks=None) -> str:
    """The objective names of a source, for ``--help`` (``attacks``: the source's attack keys;
    default those of the benchmark tables)."""
    from pymoo_arnas.objectives import SHORT_NAMES

    if attacks is None:
        from pymoo_arnas.data import ATTACKS as attacks
    short = [s for s, full in SHORT_NAMES.items() if full in attacks]
    example = "pgd@Linf" if "pgd@Linf" in attacks else attacks[0]
    return (f"choices: clean, an attack ({', '.join(attacks)}, or short {', '.join(short)}) "
            f"at --epsilon, or at its own as {example}:<eps>")


def check_device(device: str) -> None:
    """Stop with one line when the torch ``device`` (``"cuda"``, ``"cuda:1"``, ``"mps"``) is
    not usable here (torch itself must be importable); ``"auto"`` and ``"cpu"`` always are."""
    import torch

    from pymoo_arnas.cli.errors import FAILURE, CLIError

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            build = "a CPU-only build" if torch.version.cuda is None else "no usable CUDA device"
            raise CLIError(f"--device {device}: this torch ({torch.__version__}) has {build}; "
                           "use --device cpu, or install a CUDA build of torch", FAILURE)
        index = device.partition(":")[2] or "0"
        if not index.isdigit() or int(index) >= torch.cuda.device_count():
            raise CLIError(f"--device {device}: there are {torch.cuda.device_count()} CUDA "
                           "device(s) here (cuda:0 ...)", FAILURE)
    elif device == "mps" and not torch.backends.mps.is_available():
        raise CLIError("--device mps: MPS is not available here; use --device cpu", FAILURE)


def algorithm_record(name: str, n_obj: int):
    """The registry record of ``name`` after checking it runs on ``n_obj`` objectives.

    Raises ``ValueError`` (one line: unknown name, or the wrong number of objectives, with
    the valid choices).
    """
    from pymoo_arnas.algorithms import check_algorithm

    return check_algorithm(name, n_obj)


__all__ = ["add_data_dir", "add_parallel", "algorithm_record", "check_device", "csv_list",
           "objective_help", "positive_int", "positive_ints", "seeds"]
