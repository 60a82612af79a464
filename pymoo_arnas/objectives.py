"""Objective names: one grammar for benchmark tables and live runs.

An objective name is ``name[:arg]``:

- ``"clean"``: clean accuracy;
- an attack ``"<attack>@<norm>"`` (``"fgsm@Linf"``, ``"pgd@Linf"``, ``"aa_apgd-ce@Linf"``,
  ``"aa_square@Linf"``...) or its short name (:data:`SHORT_NAMES`: ``"fgsm"``, ``"pgd"``,
  ``"apgd"``, ``"square"``), with its epsilon as ``arg`` (``"pgd@Linf:8"``) or, without one,
  at the epsilon the problem is given;
- a training-free score of the untrained network (:data:`SCORES`: ``"synflow"``,
  ``"naswot"``, ``"ntk_cond"``...), each with the sense it is optimised in;
- any other metric a source has, as it names it (a corruption ``"fog"``, or ``"fog:3"``
  for severity 3).

The canonical name of an attack at an epsilon, under which tables, live stores and query
logs keep its accuracy, is ``"<attack>:<eps>"`` with the epsilon written by
:func:`format_epsilon` (always the same way: ``"pgd@Linf:1.0"``, ``"fgsm@Linf:0.03"``). What
an epsilon means is the source's business: units of 1/255 in the benchmark tables, input
units (inputs in ``[0, 1]``) in live runs.

This module imports nothing of the package, so every layer can use it.

Examples
--------
>>> from pymoo_arnas.objectives import canonical_name, objective_name, parse_objective
>>> parse_objective("pgd:8"), parse_objective("apgd", epsilon=0.5), parse_objective("fog:3")
(('pgd@Linf', 8.0), ('aa_apgd-ce@Linf', 0.5), ('fog:3', None))
>>> objective_name("fgsm", 0.03), objective_name("clean")
('fgsm@Linf:0.03', 'clean')
>>> canonical_name("pgd@Linf:1")  # a name written another way reads as the same metric
'pgd@Linf:1.0'
"""

from __future__ import annotations

import math

CLEAN = "clean"
"""Clean accuracy."""

SHORT_NAMES = {
    "fgsm": "fgsm@Linf",
    "pgd": "pgd@Linf",
    "apgd": "aa_apgd-ce@Linf",
    "apgd-ce": "aa_apgd-ce@Linf",
    "square": "aa_square@Linf",
    "autoattack": "autoattack@Linf",
}
"""Short attack names -> the attack keys the sources use."""

SCORES = {
    "naswot": "max",
    "synflow": "max",
    "log_synflow": "max",
    "ntk_min": "max",
    "ntk_max": "max",
    "ntk_trace": "max",
    "ntk_cond": "min",
    "ntk_adv_min": "max",
    "ntk_adv_max": "max",
    "ntk_adv_trace": "max",
    "ntk_adv_cond": "min",
}
"""Training-free scores of a cell's untrained network (one value per isomorphism class, as
shipped by :func:`pymoo_arnas.data.scores.load_scores`) -> the sense each is optimised in
as an objective: ``"max"`` (higher is better, minimised as ``-score``) or ``"min"`` (lower
is better, minimised as it is).

- ``naswot`` (Mellor et al. 2021), ``synflow`` and ``log_synflow`` (Tanaka et al. 2020;
  Abdelfattah et al. 2021 as a NAS proxy): higher is better, as their authors rank cells.
- ``ntk_min``, ``ntk_adv_min``: the smallest eigenvalue of the empirical NTK on the clean
  and the PGD batch; higher is better, as the seed paper's theory (Wu et al. 2024) bounds
  the (robust) generalisation error by it from below.
- ``ntk_cond``, ``ntk_adv_cond``: condition number of the NTK; lower is better (TE-NAS,
  Chen et al. 2021: better trainability).
- ``ntk_max``, ``ntk_trace`` and their ``_adv`` forms: the size of the kernel, taken in the
  same sense as ``ntk_min`` (higher). No paper fixes a sense for them: on the CIFAR-10 table
  they correlate negatively with clean accuracy (Spearman about -0.67) and weakly
  positively with PGD accuracy at 1/255 (0.1 to 0.2).
"""

EPS_TOLERANCE = 1e-6
"""A requested epsilon matches one a source has when they differ by at most this."""


def format_epsilon(eps) -> str:
    """The one way an epsilon is written in a metric name: rounded to 6 significant digits,
    in its shortest form, always with a decimal point.

    >>> [format_epsilon(e) for e in (1, 8.0, 0.5, 0.03, 8 / 255, 255)]
    ['1.0', '8.0', '0.5', '0.03', '0.0313725', '255.0']
    """
    return repr(float(f"{float(eps):.6g}"))


def short_name(attack: str) -> str:
    """The short name of an attack key (the first in :data:`SHORT_NAMES`), else the key.

    >>> short_name("aa_apgd-ce@Linf"), short_name("cw@L2")
    ('apgd', 'cw@L2')
    """
    return next((s for s, a in SHORT_NAMES.items() if a == attack), attack)


def is_attack(name: str) -> bool:
    """Whether ``name`` (short names expanded) names an attack: ``"<attack>@<norm>"``."""
    return "@" in SHORT_NAMES.get(name, name)


def split_objective(name) -> tuple:
    """``"name[:arg]"`` -> ``(name, arg)`` with a short attack name expanded and ``arg`` a
    string, or None without a colon.

    >>> split_objective(" pgd:8 "), split_objective("fog:3"), split_objective("clean")
    (('pgd@Linf', '8'), ('fog', '3'), ('clean', None))
    """
    if not isinstance(name, str):
        raise ValueError(f"objective names must be strings; got {name!r}")
    base, sep, arg = name.strip().partition(":")
    return SHORT_NAMES.get(base, base), (arg if sep else None)


def attack_epsilon(name: str, arg, epsilon=None, units: str = "") -> float:
    """The epsilon of an attack objective: ``arg`` when given, else ``epsilon``.

    Parameters
    ----------
    name : str
        The objective as the user wrote it (for messages).
    arg : str or None
        The epsilon written after the colon.
    epsilon : float, optional
        The problem's epsilon, used when ``arg`` is None.
    units : str
        What the epsilon counts in, for messages (e.g. ``"units of 1/255"``).

    Raises
    ------
    ValueError
        When neither is given, or the epsilon is not a finite number >= 0.
    """
    given = arg if arg is not None else epsilon
    attack = split_objective(name)[0]
    if given is None:
        raise ValueError(
            f"objective {name!r} is an attack and needs an epsilon{f' ({units})' if units else ''}; "
            f"give epsilon= or write '{attack}:<eps>'"
        )
    try:
        eps = float(given)
    except (TypeError, ValueError):
        raise ValueError(f"epsilon {given!r} of objective {name!r} is not a number") from None
    if not (math.isfinite(eps) and eps >= 0):
        raise ValueError(f"epsilon {given!r} of objective {name!r} must be a finite number >= 0"
                         f"{f' ({units})' if units else ''}")
    return eps


def parse_objective(name, epsilon=None) -> tuple:
    """Objective name -> ``(metric, eps)``: ``(attack key, epsilon)`` for an attack (its own
    epsilon, else ``epsilon``), ``(name, None)`` for anything else.

    Raises
    ------
    ValueError
        For a name that is not a string, or an attack without a valid epsilon.
    """
    base, arg = split_objective(name)
    if not is_attack(base):
        return (base if arg is None else f"{base}:{arg}"), None
    return base, attack_epsilon(name, arg, epsilon)


def objective_name(metric: str, eps=None) -> str:
    """The canonical name of a metric: ``"<attack>:<eps>"`` for an attack (short names
    expanded), the name itself otherwise."""
    base = SHORT_NAMES.get(metric, metric)
    if is_attack(base) and eps is not None:
        return f"{base}:{format_epsilon(eps)}"
    return base


def canonical_name(name: str) -> str:
    """A metric name as :func:`objective_name` writes it (``"pgd@Linf:1"`` ->
    ``"pgd@Linf:1.0"``); a name it cannot read is returned as it is."""
    try:
        metric, eps = parse_objective(name)
    except ValueError:
        return name
    return objective_name(metric, eps)


def match_epsilon(eps: float, available) -> float | None:
    """The epsilon among ``available`` within :data:`EPS_TOLERANCE` of ``eps``, or None.

    >>> match_epsilon(1.0000001, (0.5, 1.0)), match_epsilon(1.04, (0.5, 1.0))
    (1.0, None)
    """
    for e in available:
        if abs(float(e) - float(eps)) <= EPS_TOLERANCE:
            return float(e)
    return None


__all__ = [
    "CLEAN",
    "EPS_TOLERANCE",
    "SCORES",
    "SHORT_NAMES",
    "attack_epsilon",
    "canonical_name",
    "format_epsilon",
    "is_attack",
    "match_epsilon",
    "objective_name",
    "parse_objective",
    "short_name",
    "split_objective",
]
