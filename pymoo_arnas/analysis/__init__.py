"""The robust-NAS study on any :class:`~pymoo_arnas.data.BenchmarkTable`.

As in the benchmark sections of NAS-RobBench-201 (Wu et al., ICLR 2024) and the
robustness dataset (Jung et al., ICLR 2023):

- distribution of every metric: :func:`metric_summary`, :func:`plot_distributions`;
- operation impact per edge and operation: :func:`operation_impact`, :func:`top_share`,
  :func:`plot_operation_impact`, :func:`plot_top_share` (unit: all 15,625 genomes);
- rank consistency across datasets and metrics: :func:`dataset_consistency`,
  :func:`metric_consistency`, :func:`rank_matrix`;
- training-free scores of all 6,466 classes shipped with the package
  (:func:`load_scores`; computed by :mod:`pymoo_arnas.live.scores`) and their Spearman
  correlation with every metric: :func:`score_correlation`.

Functions return DataFrames; ``plot_*`` functions return matplotlib figures.
"""

from pymoo_arnas.analysis.correlation import (
    cost_features,
    features,
    plot_score_correlation,
    score_correlation,
)
from pymoo_arnas.analysis.distribution import main_metrics, metric_summary, plot_distributions
from pymoo_arnas.analysis.operations import (
    EDGE_NAMES,
    operation_impact,
    plot_operation_impact,
    plot_top_share,
    top_share,
)
from pymoo_arnas.analysis.rank import (
    dataset_consistency,
    metric_consistency,
    plot_consistency,
    plot_rank_matrix,
    rank_matrix,
)
from pymoo_arnas.analysis.scores import align_to_table, load_scores

__all__ = [
    "EDGE_NAMES", "align_to_table", "cost_features", "dataset_consistency", "features",
    "load_scores", "main_metrics", "metric_consistency", "metric_summary", "operation_impact",
    "plot_consistency", "plot_distributions", "plot_operation_impact", "plot_rank_matrix",
    "plot_score_correlation", "plot_top_share", "rank_matrix", "score_correlation", "top_share",
]
