"""``arnas analyze``: the robust-NAS study of the benchmark tables.

Prints the distribution of every metric, the operation impact (share of each operation on
each edge among the best cells), rank consistency across datasets and between clean and
each attack, and the Spearman correlation of training-free scores and cost with every
metric; writes the figures and the tables (CSV) to ``--out``.
"""

from __future__ import annotations

from pathlib import Path

from pymoo_arnas.cli.errors import CLIError
from pymoo_arnas.cli.options import add_data_dir, csv_list


def _fraction(text: str) -> float:
    import argparse

    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not 0 < v <= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1]; got {text!r}")
    return v


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze",
        help="benchmark statistics: distributions, operation impact, rank consistency, "
             "score correlations",
        description="The benchmark study of NAS-RobBench-201 / the robustness dataset on the "
                    "tables at hand: tables printed, figures and CSVs written to --out.",
    )
    p.add_argument("--datasets", type=csv_list, default=["cifar10", "cifar100"],
                   help="comma-separated (default cifar10,cifar100)")
    add_data_dir(p)
    p.add_argument("--metric", default="clean",
                   help="metric for operation impact, e.g. clean, pgd:1, fog (default clean)")
    p.add_argument("--top", type=_fraction, default=0.05,
                   help="best fraction of cells for operation shares and top-k rank "
                        "consistency (default 0.05)")
    p.add_argument("--scores", type=Path, default=None,
                   help="score CSV written by `arnas scores` (default: the shipped table)")
    p.add_argument("--out", type=Path, default=Path("results/analysis"),
                   help="folder for figures and CSVs (default results/analysis)")
    p.add_argument("--no-plots", action="store_true", help="skip the figures")
    p.set_defaults(func=run)


def _load_tables(args):
    from pymoo_arnas.data import load_robustness

    if not args.datasets:
        raise CLIError("--datasets is empty; give e.g. cifar10,cifar100")
    return [load_robustness(d, data_dir=args.data_dir) for d in args.datasets]


def _scores(path):
    import pandas as pd

    from pymoo_arnas.analysis import load_scores

    if path is None:
        return load_scores()
    if not path.is_file():
        raise CLIError(f"--scores {path}: no such file")
    df = pd.read_csv(path)
    if "code" not in df.columns:
        raise CLIError(f"--scores {path}: not a score CSV (no 'code' column)")
    keep = ["code"] + [c for c in df.columns if any(k in c for k in ("ntk", "naswot", "synflow"))]
    return df[keep].drop_duplicates("code", keep="last")


def _section(title: str) -> None:
    print(f"\n== {title} ==")


def run(args) -> int:
    import pandas as pd

    from pymoo_arnas import analysis as A

    if args.scores is not None and not args.scores.is_file():
        raise CLIError(f"--scores {args.scores}: no such file")
    tables = _load_tables(args)
    from pymoo_arnas.problems.objectives import resolve_objective

    try:  # the objective grammar: "clean", "pgd:1", "aa_square@Linf:8.0", "fog:3"
        args.metric = resolve_objective(tables[0], args.metric, None)
        for t in tables[1:]:
            t.column_index(args.metric)
    except (ValueError, KeyError) as exc:
        raise CLIError(f"--metric: {str(exc).strip(chr(34))}") from None
    scores = _scores(args.scores)
    args.out.mkdir(parents=True, exist_ok=True)
    fmt = {"float_format": lambda v: f"{v:.3f}"}
    with pd.option_context("display.width", 200, "display.max_columns", 60,
                           "display.max_rows", 500):
        summary = A.metric_summary(tables)
        summary.to_csv(args.out / "distribution.csv")
        _section("distribution of every metric (one row per isomorphism class)")
        print(summary.drop(columns="count").to_string(**fmt))

        for t in tables:
            impact = A.operation_impact(t, args.metric)
            share = A.top_share(t, args.metric, args.top)
            impact.to_csv(args.out / f"operation_impact_{t.dataset}_{args.metric}.csv")
            share.to_csv(args.out / f"top_share_{t.dataset}_{args.metric}.csv")
            _section(f"{t.dataset}: mean {args.metric} of the genomes carrying each operation")
            print(impact["mean"].unstack("op")[list(share.columns)].to_string(**fmt))
            _section(f"{t.dataset}: share of each operation among the best {args.top:.0%} "
                     f"genomes by {args.metric} ({share.attrs['n_cells']} genomes; chance 0.200)")
            print(share.to_string(**fmt))

        cols = [c for c in A.main_metrics(tables[0]) if all(c in t.columns for t in tables)]
        cols = [c for c in cols if c == "clean" or c.split(":")[0] in tables[0].epsilons]
        if len(tables) > 1:
            cons = pd.concat([A.dataset_consistency(tables, c, args.top) for c in cols])
            cons.to_csv(args.out / "rank_consistency_datasets.csv", index=False)
            _section("rank consistency between datasets (Spearman / Kendall)")
            print(cons.to_string(index=False, **fmt))
        mc = pd.concat([A.metric_consistency(t, "clean", top=args.top) for t in tables])
        mc.to_csv(args.out / "rank_consistency_metrics.csv", index=False)
        _section("rank consistency of clean accuracy with each attack and corruption")
        print(mc.to_string(index=False, **fmt))

        corr = A.score_correlation(tables, scores)
        corr.to_csv(args.out / "score_correlation.csv")
        _section("Spearman correlation of scores and cost with every metric")
        settings = scores.attrs.get("settings")
        if settings:
            print("scores: " + ", ".join(f"{k}={v}" for k, v in settings.items()))
        for d in corr.index.get_level_values(0).unique():
            print(f"-- {d}")
            print(corr.loc[d].dropna(axis=1, how="all").T.to_string(**fmt))

    if not args.no_plots:
        figs = {"distributions": A.plot_distributions(tables),
                "score_correlation": A.plot_score_correlation(corr)}
        for t in tables:
            figs[f"operation_impact_{t.dataset}_{args.metric}"] = A.plot_operation_impact(
                t, args.metric)
            figs[f"top_share_{t.dataset}_{args.metric}"] = A.plot_top_share(
                A.top_share(t, args.metric, args.top))
            figs[f"rank_matrix_{t.dataset}"] = A.plot_rank_matrix(
                A.rank_matrix(t), f"{t.dataset}: Spearman between metrics")
            figs[f"consistency_{t.dataset}"] = A.plot_consistency(
                A.metric_consistency(t, "clean", top=args.top), t.dataset)
        for name, fig in figs.items():
            fig.savefig(args.out / f"{name}.png", dpi=110)
        print(f"\nfigures ({len(figs)}) and tables written to {args.out}")
    else:
        print(f"\ntables written to {args.out}")
    return 0
