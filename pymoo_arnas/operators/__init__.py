"""pymoo operators for NAS-Bench-201 genomes: classic ones and LLM-driven ones."""

from pymoo_arnas.operators.classic import CellDuplicateElimination, CellSampling, RandomResetMutation
from pymoo_arnas.operators.llm import LLMMutation, LLMOperatorStats, LLMSampling, llm_summary

__all__ = [
    "CellDuplicateElimination",
    "CellSampling",
    "LLMMutation",
    "LLMOperatorStats",
    "LLMSampling",
    "RandomResetMutation",
    "llm_summary",
]
