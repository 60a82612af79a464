"""Named benchmark problems and suites for sweeps.

A problem name is ``"<dataset>/<objective>[+<objective>...]"``, objectives as
:class:`~pymoo_arnas.problems.ARNAS` takes them (short attack names allowed), attacks at
epsilon 1.0 unless given as ``"pgd@Linf:8.0"``: ``"cifar10/clean+pgd"`` is clean vs PGD
accuracy, ``"cifar100/square"`` the single-objective Square-attack accuracy.

Suites:

- ``"bi"``: the 8 bi-objective problems, clean vs each attack, CIFAR-10 and CIFAR-100;
- ``"paper"``: the seed paper's 10 single-objective problems (clean and each attack);
- ``"three"``: three objectives, clean and PGD accuracy and the network's parameter count
  (``params``, minimised as it is), CIFAR-10 and CIFAR-100;
- ``"five"``: five objectives, clean accuracy and the four attacks, CIFAR-10 and CIFAR-100.

>>> expand_problems(["bi"])[:2]
['cifar10/clean+fgsm', 'cifar10/clean+pgd']
>>> len(expand_problems(["paper"]))
10
>>> expand_problems("three,five")[::2]
['cifar10/clean+pgd+params', 'cifar10/clean+fgsm+pgd+apgd+square']
>>> make_problem("cifar10/clean+pgd", budget=5)
ARNAS(dataset='cifar10', objectives=('clean', 'pgd@Linf:1.0'), budget=5)
"""

from __future__ import annotations

from pymoo_arnas.data.robustness import ATTACKS as _TABLE_ATTACKS
from pymoo_arnas.objectives import short_name

DATASETS = ("cifar10", "cifar100")
"""Datasets of the suites: those of the robustness dataset (:data:`pymoo_arnas.data.DATASETS`)
whose tables are shared."""
ATTACKS = tuple(short_name(a) for a in _TABLE_ATTACKS)
"""Attacks of the suites: the robustness dataset's, by short name (fgsm, pgd, apgd, square)."""

SUITES = {
    "bi": [f"{d}/clean+{a}" for d in DATASETS for a in ATTACKS],
    "paper": [f"{d}/{m}" for d in DATASETS for m in ("clean",) + ATTACKS],
    "three": [f"{d}/clean+pgd+params" for d in DATASETS],
    "five": [f"{d}/clean+{'+'.join(ATTACKS)}" for d in DATASETS],
}
"""Suite name -> problem names."""

PAPER_LABELS = {
    "clean": "clean",
    "fgsm": "FGSM",
    "pgd": "PGD",
    "apgd": "APGD",
    "square": "Square",
}

LLMO_FILES = {
    "clean": "clean",
    "fgsm": "fgsm@Linf",
    "pgd": "pgd@Linf",
    "apgd": "aa_apgd-ce@Linf",
    "square": "aa_square@Linf",
}
"""Short objective -> the objective part of the LLMO results' file names."""


def expand_problems(names) -> list:
    """Problem names with suite names (``"bi"``, ``"paper"``, ...) expanded, order kept, no
    repeats."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n]
    out = []
    for name in names:
        for p in SUITES.get(name, [name]):
            if p not in out:
                out.append(p)
    return out


def parse_problem(name: str) -> tuple:
    """``"cifar10/clean+pgd"`` -> ``("cifar10", ("clean", "pgd"))``.

    Raises
    ------
    ValueError
        If the name does not have the ``dataset/objective[+objective]`` shape.
    """
    dataset, sep, objs = str(name).partition("/")
    objectives = tuple(o for o in objs.split("+") if o)
    if not sep or not dataset or not objectives:
        raise ValueError(
            f"problem {name!r} is not '<dataset>/<objective>[+<objective>]'; e.g. "
            f"'cifar10/clean+pgd' or 'cifar100/square'; suites: {', '.join(SUITES)}; "
            f"the 8 bi-objective problems: {', '.join(SUITES['bi'])}"
        )
    return dataset, objectives


def make_problem(name: str, budget: int | None = None, epsilon: float = 1.0, **kwargs):
    """The :class:`~pymoo_arnas.problems.ARNAS` problem of a name (see the module docstring)."""
    from pymoo_arnas.problems import ARNAS

    dataset, objectives = parse_problem(name)
    try:
        return ARNAS(dataset, objectives=objectives, epsilon=epsilon, budget=budget, **kwargs)
    except (KeyError, FileNotFoundError) as exc:
        raise ValueError(f"problem {name!r}: {exc}") from exc


__all__ = ["DATASETS", "ATTACKS", "SUITES", "expand_problems", "make_problem", "parse_problem"]
