"""The algorithm registry: records, derived views, name and objective-count checks."""

import pytest
from pymoo.core.algorithm import Algorithm

from pymoo_arnas.algorithms import (
    ALGORITHMS,
    MULTI_OBJECTIVE_ONLY,
    NEEDS_LLM,
    REGISTRY,
    SINGLE_OBJECTIVE,
    AlgorithmRecord,
    check_algorithm,
    get_algorithm,
    get_record,
    list_algorithms,
    register,
)
from pymoo_arnas.algorithms import registry
from pymoo_arnas.algorithms.presets import nsga2_ux


@pytest.fixture
def scratch_registry(monkeypatch):
    """A copy of the registry that a test may add to; the real one is restored after."""
    monkeypatch.setattr(registry, "REGISTRY", dict(registry.REGISTRY))
    return registry.REGISTRY


def test_views_are_derived_from_the_records():
    assert list_algorithms() == list(REGISTRY)
    assert dict(ALGORITHMS) == {n: r.factory for n, r in REGISTRY.items()}
    assert set(NEEDS_LLM) == {n for n, r in REGISTRY.items() if r.needs_llm}
    assert set(SINGLE_OBJECTIVE) == {n for n, r in REGISTRY.items() if r.single_objective}
    assert set(MULTI_OBJECTIVE_ONLY) == {
        n for n, r in REGISTRY.items() if r.multi_objective_only
    }
    assert {"nsga2-llm", "llmo"} <= NEEDS_LLM
    assert {"ga", "pso", "de", "cmaes", "llmo"} <= SINGLE_OBJECTIVE
    assert "nsga2-cat" not in SINGLE_OBJECTIVE and "nope" not in NEEDS_LLM


def test_one_register_call_adds_an_algorithm_everywhere(scratch_registry):
    record = register(AlgorithmRecord("toy", nsga2_ux, "a toy", single_objective=True))
    assert get_record("toy") is record
    assert "toy" in list_algorithms() and "toy" in SINGLE_OBJECTIVE and "toy" in ALGORITHMS
    assert isinstance(get_algorithm("toy", pop_size=7), Algorithm)
    assert get_algorithm("toy", pop_size=7).pop_size == 7
    with pytest.raises(ValueError, match="already registered"):
        register(AlgorithmRecord("toy", dict, "again"))


def test_unknown_names_list_the_valid_ones():
    for call in (get_record, get_algorithm, lambda n: check_algorithm(n, 2)):
        with pytest.raises(ValueError, match="unknown algorithm 'nsga9'.*nsga2-cat"):
            call("nsga9")


def test_check_algorithm_knows_the_number_of_objectives(scratch_registry):
    assert check_algorithm("nsga2-cat", 1).name == "nsga2-cat"
    assert check_algorithm("nsga2-cat", 3).name == "nsga2-cat"
    assert check_algorithm("ga", 1).single_objective
    with pytest.raises(ValueError, match="'ga' is single-objective; the problem has 2 objectives"
                                         r" \(use one of: .*nsga2-cat"):
        check_algorithm("ga", 2)
    register(AlgorithmRecord("many", dict, "for fronts", multi_objective_only=True))
    assert check_algorithm("many", 5).name == "many"
    with pytest.raises(ValueError, match="'many' is multi-objective only; the problem has 1 "
                                         "objective .*ga"):
        check_algorithm("many", 1)


def test_records_refuse_contradictions():
    with pytest.raises(ValueError, match="both"):
        AlgorithmRecord("x", dict, "x", single_objective=True, multi_objective_only=True)
    with pytest.raises(ValueError, match="callable"):
        AlgorithmRecord("x", 3, "x")
    with pytest.raises(ValueError, match="non-empty"):
        AlgorithmRecord("", dict, "x")
    with pytest.raises(TypeError, match="AlgorithmRecord"):
        register("x")


def test_a_missing_extra_is_named(scratch_registry):
    register(AlgorithmRecord("needs-extra", dict, "x", extra="no_such_module_xyz"))
    with pytest.raises(ImportError, match=r"pymoo-arnas\[no_such_module_xyz\]"):
        get_algorithm("needs-extra")


@pytest.mark.parametrize("name", [n for n, r in REGISTRY.items()
                                  if r.takes_pop_size and not r.needs_llm and r.extra is None])
def test_takes_pop_size_is_true(name):
    algorithm = get_algorithm(name, pop_size=12)
    options = getattr(algorithm, "options", None) or {}
    assert getattr(algorithm, "pop_size", None) == 12 or options.get("popsize") == 12


def test_the_package_docs_list_every_algorithm():
    import pymoo_arnas.algorithms as package

    missing = [n for n in REGISTRY if f"``{n}``" not in package.__doc__]
    assert not missing, f"add {missing} to the table in pymoo_arnas/algorithms/__init__.py"
