"""pymoo operators for NAS-Bench-201 genomes: classic ones and LLM-driven ones."""

from pymoo_arnas.operators.classic import (
    CellDuplicateElimination,
    CellSampling,
    OrthogonalArraySampling,
    RandomResetMutation,
    bind_eliminations,
    orthogonal_array,
    problem_units,
)
from pymoo_arnas.operators.llm import LLMMutation, LLMOperatorStats, LLMSampling, llm_summary

__all__ = [
    "CellDuplicateElimination",
    "CellSampling",
    "LLMMutation",
    "LLMOperatorStats",
    "LLMSampling",
    "OrthogonalArraySampling",
    "RandomResetMutation",
    "bind_eliminations",
    "llm_summary",
    "orthogonal_array",
    "problem_units",
]
