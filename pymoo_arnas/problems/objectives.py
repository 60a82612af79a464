"""Turning objective names such as ``"pgd@Linf"`` or ``"fog:3"`` into table columns."""

from __future__ import annotations

from pymoo_arnas.data.table import BenchmarkTable

SHORT_NAMES = {
    "fgsm": "fgsm@Linf",
    "pgd": "pgd@Linf",
    "apgd": "aa_apgd-ce@Linf",
    "apgd-ce": "aa_apgd-ce@Linf",
    "square": "aa_square@Linf",
}
"""Short attack names accepted beside the dataset's own keys."""


def _fmt_eps(eps) -> str:
    return f"{float(eps):.1f}"


def valid_choices(table: BenchmarkTable) -> str:
    """A readable list of the objective names a table accepts."""
    parts = []
    plain = [c for c in table.columns if ":" not in c]
    if plain:
        parts.append("metrics: " + ", ".join(plain))
    if any(":" in c and c.split(":")[0] not in table.epsilons for c in table.columns):
        parts.append("corruptions also per severity, e.g. 'fog:3'")
    for attack, eps in table.epsilons.items():
        parts.append(f"{attack} at epsilon {', '.join(_fmt_eps(e) for e in eps)}")
    if table.aliases:
        parts.append("aliases: " + ", ".join(table.aliases))
    return "; ".join(parts)


def resolve_objective(table: BenchmarkTable, name: str, epsilon: float | None) -> str:
    """The table column for objective ``name``.

    ``name`` is a column (``"clean"``, ``"fog"``, ``"fog:3"``, ``"pgd@Linf:8.0"``), an attack
    key (``"pgd@Linf"``, or a short name such as ``"pgd"``) that takes ``epsilon``, or an
    attack with its own epsilon after a colon (``"pgd@Linf:8"``).

    Raises
    ------
    ValueError
        For an unknown name or an epsilon the table does not have; the message lists the
        valid choices.
    """
    if not isinstance(name, str):
        raise ValueError(f"objective names must be strings; got {name!r}")
    name = name.strip()
    base, sep, arg = name.partition(":")
    base = SHORT_NAMES.get(base, base)
    if base in table.epsilons:
        eps_given = arg if sep else epsilon
        if eps_given is None:
            raise ValueError(
                f"objective {name!r} is an attack and needs an epsilon; give epsilon= or write "
                f"'{base}:<eps>' with eps in {', '.join(_fmt_eps(e) for e in table.epsilons[base])}"
            )
        try:
            eps = float(eps_given)
        except (TypeError, ValueError):
            raise ValueError(f"epsilon {eps_given!r} of objective {name!r} is not a number") from None
        column = f"{base}:{_fmt_eps(eps)}"
        column = table.aliases.get(column, column)
        if column not in table.columns:
            raise ValueError(
                f"epsilon {eps_given!r} is not evaluated for {base} on {table.dataset}; "
                f"valid epsilons (units of 1/255): "
                f"{', '.join(_fmt_eps(e) for e in table.epsilons[base])}"
            )
        return column
    full = f"{base}{sep}{arg}"
    if full in table.columns:
        return full
    if full in table.aliases:
        return table.aliases[full]
    raise ValueError(
        f"unknown objective {name!r} for {table.source} on {table.dataset}; valid choices: "
        f"{valid_choices(table)}"
    )
