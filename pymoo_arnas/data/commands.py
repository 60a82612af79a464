"""``arnas download``: fetch the official robustness-dataset release."""

from __future__ import annotations

from pymoo_arnas.data.release import RELEASE_DATASETS, download


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "download",
        help="download the robustness dataset (Jung et al., ICLR 2023) into the user cache",
        description="Fetch meta.zip and <dataset>-accuracies.zip from the official release, check "
        "them and unpack them atomically.",
    )
    p.add_argument("datasets", nargs="*", default=["cifar10", "cifar100"],
                   help=f"datasets to fetch (default cifar10 cifar100; choices {', '.join(RELEASE_DATASETS)})")
    p.add_argument("--dest", default=None, help="target folder (default: the user cache)")
    p.add_argument("--url", default=None, help="base URL (default $ARNAS_DATA_URL or data.robustness.vision)")
    p.add_argument("--force", action="store_true", help="download even if the files are there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args) -> int:
    root = download(args.datasets, dest=args.dest, base_url=args.url, force=args.force,
                    progress=not args.quiet)
    print(f"robustness dataset ready in {root}")
    return 0
