"""pymoo operators for NAS-Bench-201 genomes: classic ones and LLM-driven ones."""

from pymoo_arnas.operators.classic import CellDuplicateElimination, CellSampling, RandomResetMutation

__all__ = ["CellDuplicateElimination", "CellSampling", "RandomResetMutation"]
