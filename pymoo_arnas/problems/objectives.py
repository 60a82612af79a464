"""Turning objective names such as ``"pgd@Linf"`` or ``"fog:3"`` into table columns.

The names follow the one grammar of :mod:`pymoo_arnas.objectives` (shared with live runs);
this module matches them against what a table has. Epsilons count in units of 1/255.
"""

from __future__ import annotations

from pymoo_arnas.data.table import BenchmarkTable
from pymoo_arnas.objectives import (
    SCORES,
    SHORT_NAMES,
    attack_epsilon,
    canonical_name,
    format_epsilon,
    match_epsilon,
    objective_name,
    split_objective,
)

__all__ = ["COSTS", "SCORES", "SHORT_NAMES", "resolve_objective", "valid_choices"]

COSTS = ("params", "flops")
"""Cost objectives of :class:`~pymoo_arnas.problems.ARNAS`: parameters and FLOPs of the
NAS-Bench-201 network a genome builds (:mod:`pymoo_arnas.cost`), minimised as they are."""


def _epsilons(eps) -> str:
    return ", ".join(format_epsilon(e) for e in eps)


def valid_choices(table: BenchmarkTable) -> str:
    """A readable list of the objective names a table accepts."""
    parts = []
    plain = [c for c in table.columns if ":" not in c]
    if plain:
        parts.append("metrics: " + ", ".join(plain))
    if any(":" in c and c.split(":")[0] not in table.epsilons for c in table.columns):
        parts.append("corruptions also per severity, e.g. 'fog:3'")
    for attack, eps in table.epsilons.items():
        parts.append(f"{attack} at epsilon {_epsilons(eps)}")
    if table.aliases:
        parts.append("aliases: " + ", ".join(table.aliases))
    parts.append("costs of the network: " + ", ".join(COSTS))
    parts.append("training-free scores: " + ", ".join(SCORES))
    return "; ".join(parts)


def _attack_column(table: BenchmarkTable, attack: str, eps: float) -> str | None:
    """The column (aliases followed) holding ``attack`` at ``eps``, however the table writes it."""
    target = objective_name(attack, eps)
    for name in (*table.columns, *table.aliases):
        if name == target or canonical_name(name) == target:
            return table.aliases.get(name, name)
    return None


def resolve_objective(table: BenchmarkTable, name: str, epsilon: float | None) -> str:
    """The table column for objective ``name``.

    ``name`` is a column (``"clean"``, ``"fog"``, ``"fog:3"``, ``"pgd@Linf:8.0"``), an attack
    key (``"pgd@Linf"``, or a short name such as ``"pgd"``) that takes ``epsilon``, or an
    attack with its own epsilon after a colon (``"pgd@Linf:8"``). A requested epsilon
    matches one of the table's only within
    :data:`~pymoo_arnas.objectives.EPS_TOLERANCE` (1e-6): ``1.04`` is not ``1.0``.

    Raises
    ------
    ValueError
        For an unknown name or an epsilon the table does not have; the message lists the
        valid choices.

    Examples
    --------
    >>> from pymoo_arnas.data import load_robustness
    >>> table = load_robustness("cifar10")
    >>> resolve_objective(table, "pgd", 8), resolve_objective(table, "fgsm@Linf:0.5", None)
    ('pgd@Linf:8.0', 'fgsm@Linf:0.5')
    >>> resolve_objective(table, "pgd", 1.04)
    Traceback (most recent call last):
    ...
    ValueError: epsilon 1.04 is not evaluated for pgd@Linf on cifar10; valid epsilons (units of 1/255): 0.1, 0.5, 1.0, 2.0, 3.0, 4.0, 8.0
    """
    base, arg = split_objective(name)
    if base in table.epsilons:
        available = table.epsilons[base]
        if arg is None and epsilon is None:
            raise ValueError(
                f"objective {name!r} is an attack and needs an epsilon; give epsilon= or write "
                f"'{base}:<eps>' with eps in {_epsilons(available)}"
            )
        eps = attack_epsilon(name, arg, epsilon, units="units of 1/255")
        matched = match_epsilon(eps, available)
        column = None if matched is None else _attack_column(table, base, matched)
        if column is None:
            given = arg if arg is not None else epsilon
            raise ValueError(
                f"epsilon {given!r} is not evaluated for {base} on {table.dataset}; "
                f"valid epsilons (units of 1/255): {_epsilons(available)}"
            )
        return column
    full = base if arg is None else f"{base}:{arg}"
    if full in table.columns:
        return full
    if full in table.aliases:
        return table.aliases[full]
    raise ValueError(
        f"unknown objective {name!r} for {table.source} on {table.dataset}; valid choices: "
        f"{valid_choices(table)}"
    )
