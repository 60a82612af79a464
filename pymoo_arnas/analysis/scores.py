"""The shipped table of training-free scores (read by :mod:`pymoo_arnas.data.scores`).

:func:`load_scores` and :func:`align_to_table` live in the data layer, so that problems can
use the scores as objectives; the study re-exports them under their public names here.
See :mod:`pymoo_arnas.data.scores` for the settings of the shipped table.

Examples
--------
>>> from pymoo_arnas.analysis import load_scores
>>> s = load_scores()
>>> len(s), s.index.name
(6466, 'uid')
>>> s.attrs["settings"]["C"], s.attrs["settings"]["N"]
(8, 1)
"""

from pymoo_arnas.data.scores import align_to_table, load_scores

__all__ = ["load_scores", "align_to_table"]
