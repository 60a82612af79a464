"""The algorithm registry: one :class:`AlgorithmRecord` per name.

Adding an algorithm is one :func:`register` call beside its factory (see
:mod:`pymoo_arnas.algorithms.presets`); the command line, the experiments and the views
``ALGORITHMS``, ``NEEDS_LLM``, ``SINGLE_OBJECTIVE`` and :func:`list_algorithms` all read the
records.

Examples
--------
>>> record = get_record("nsga2-cat")
>>> record.name, record.needs_llm, record.single_objective, record.takes_pop_size
('nsga2-cat', False, False, True)
>>> check_algorithm("ga", n_obj=2)
Traceback (most recent call last):
...
ValueError: algorithm 'ga' is single-objective; the problem has 2 objectives (use one of: ...)
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from typing import Callable

from pymoo.core.algorithm import Algorithm


@dataclass(frozen=True)
class AlgorithmRecord:
    """What the package knows about one registered algorithm.

    Attributes
    ----------
    name : str
        The name users type (``get_algorithm(name)``, ``arnas bench --algorithms name``).
    factory : callable
        ``factory(**params)`` returns a fresh pymoo :class:`~pymoo.core.algorithm.Algorithm`.
    description : str
        One line for listings.
    needs_llm : bool
        The factory takes an ``llm=`` client and refuses to run without one.
    single_objective : bool
        Only for problems with one objective.
    takes_pop_size : bool
        The factory accepts ``pop_size=``.
    multi_objective_only : bool
        Only for problems with two or more objectives (e.g. reference-direction methods).
    extra : str or None
        The optional-dependency extra the algorithm needs (``pip install pymoo-arnas[extra]``).
    """

    name: str
    factory: Callable[..., Algorithm]
    description: str
    needs_llm: bool = False
    single_objective: bool = False
    takes_pop_size: bool = True
    multi_objective_only: bool = False
    extra: str | None = None

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"an algorithm name must be a non-empty string; got {self.name!r}")
        if not callable(self.factory):
            raise ValueError(f"factory of {self.name!r} must be callable; got {self.factory!r}")
        if self.single_objective and self.multi_objective_only:
            raise ValueError(
                f"algorithm {self.name!r} cannot be both single_objective and "
                "multi_objective_only"
            )

    def supports(self, n_obj: int) -> bool:
        """Whether the algorithm runs on a problem with ``n_obj`` objectives."""
        if self.single_objective:
            return n_obj == 1
        if self.multi_objective_only:
            return n_obj >= 2
        return True


REGISTRY: dict[str, AlgorithmRecord] = {}
"""Name -> :class:`AlgorithmRecord`, in registration order."""

# the module each extra provides, where its name differs from the extra's
_EXTRA_MODULE: dict = {}


def _origin(factory) -> tuple:
    return (getattr(factory, "__module__", None) or "?",
            getattr(factory, "__qualname__", None) or repr(factory))


def register(record: AlgorithmRecord) -> AlgorithmRecord:
    """Add ``record`` to :data:`REGISTRY` and return it.

    A name can be registered once; registering the same factory again (a module imported
    twice, e.g. by a doctest runner) replaces the record.
    """
    if not isinstance(record, AlgorithmRecord):
        raise TypeError(f"register() takes an AlgorithmRecord; got {type(record).__name__}")
    old = REGISTRY.get(record.name)
    if old is not None and _origin(old.factory) != _origin(record.factory):
        raise ValueError(
            f"algorithm {record.name!r} is already registered (factory "
            f"{'.'.join(_origin(old.factory))})"
        )
    REGISTRY[record.name] = record
    return record


def list_algorithms() -> list:
    """The registered algorithm names, in registration order."""
    return list(REGISTRY)


def get_record(name: str) -> AlgorithmRecord:
    """The record of ``name``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    """
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown algorithm {name!r}; valid choices: {', '.join(list_algorithms())}"
        ) from None


def check_algorithm(name: str, n_obj: int) -> AlgorithmRecord:
    """The record of ``name`` after checking it runs on ``n_obj`` objectives.

    Raises
    ------
    ValueError
        For an unknown name, or one that does not run on ``n_obj`` objectives (the message
        lists those that do).
    """
    record = get_record(name)
    if not record.supports(n_obj):
        kind = "single-objective" if record.single_objective else "multi-objective only"
        valid = ", ".join(r.name for r in REGISTRY.values() if r.supports(n_obj))
        raise ValueError(
            f"algorithm {name!r} is {kind}; the problem has {n_obj} objective"
            f"{'' if n_obj == 1 else 's'} (use one of: {valid})"
        )
    return record


def get_algorithm(name: str, **params) -> Algorithm:
    """A fresh pymoo algorithm by name, with ``params`` passed to its factory.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones).
    ImportError
        When the optional dependency the algorithm needs is not installed (the message names
        the extra to install).
    """
    record = get_record(name)
    module = _EXTRA_MODULE.get(record.extra, record.extra)
    if module is not None and importlib.util.find_spec(module) is None:
        raise ImportError(
            f"algorithm {name!r} needs the optional dependency {module!r}: "
            f"pip install 'pymoo-arnas[{record.extra}]'"
        )
    return record.factory(**params)


class _Factories(Mapping):
    """Read-only view name -> factory of :data:`REGISTRY`."""

    def __getitem__(self, name):
        return REGISTRY[name].factory

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTRY)

    def __len__(self) -> int:
        return len(REGISTRY)

    def __repr__(self) -> str:
        return f"ALGORITHMS({list(REGISTRY)})"


class _Names(Set):
    """Read-only set view of the registered names whose record has ``flag`` set."""

    def __init__(self, flag: str) -> None:
        self._flag = flag

    def _names(self) -> list:
        return [n for n, r in REGISTRY.items() if getattr(r, self._flag)]

    def __contains__(self, name) -> bool:
        record = REGISTRY.get(name) if isinstance(name, str) else None
        return record is not None and bool(getattr(record, self._flag))

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    def __repr__(self) -> str:
        return f"{self._flag.upper()}({self._names()})"


ALGORITHMS: Mapping = _Factories()
"""Name -> factory ``(**params) -> pymoo Algorithm`` (a view of :data:`REGISTRY`)."""

NEEDS_LLM: Set = _Names("needs_llm")
"""Names of the algorithms that take an ``llm=`` client (a view of :data:`REGISTRY`)."""

SINGLE_OBJECTIVE: Set = _Names("single_objective")
"""Names of the algorithms for one objective only (a view of :data:`REGISTRY`)."""

MULTI_OBJECTIVE_ONLY: Set = _Names("multi_objective_only")
"""Names of the algorithms for two or more objectives only (a view of :data:`REGISTRY`)."""


__all__ = [
    "ALGORITHMS",
    "AlgorithmRecord",
    "MULTI_OBJECTIVE_ONLY",
    "NEEDS_LLM",
    "REGISTRY",
    "SINGLE_OBJECTIVE",
    "check_algorithm",
    "get_algorithm",
    "get_record",
    "list_algorithms",
    "register",
]
