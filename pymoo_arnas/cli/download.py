"""``arnas download``: fetch the official robustness-dataset release into the user cache."""

from __future__ import annotations

from pymoo_arnas.cli.errors import FAILURE, CLIError


def add_parser(subparsers) -> None:
    from pymoo_arnas.data.release import RELEASE_DATASETS

    p = subparsers.add_parser(
        "download",
        help="download the robustness dataset (Jung et al., ICLR 2023) into the user cache",
        description="Fetch meta.zip and <dataset>-accuracies.zip from the official release, check "
        "them and unpack them atomically.",
    )
    p.add_argument("datasets", nargs="*", default=["cifar10", "cifar100"],
                   metavar="DATASET",
                   help="datasets to fetch (default cifar10 cifar100; choices "
                        f"{', '.join(RELEASE_DATASETS)})")
    p.add_argument("--dest", default=None, help="target folder (default: the user cache)")
    p.add_argument("--url", default=None,
                   help="base URL of the release or of a mirror (default $ARNAS_DATA_URL or "
                        "the official release)")
    p.add_argument("--force", action="store_true", help="download even if the files are there")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run, kept=kept)


def kept(args) -> str:
    return "the data that was there before is unchanged; rerun to download again"


def _manual_route(args) -> str:
    from pymoo_arnas.data.locate import default_download_dir
    from pymoo_arnas.data.release import BASE_URL, ENV_URL, release_files

    dest = args.dest or default_download_dir()
    files = " and ".join(release_files(args.datasets or ["cifar10", "cifar100"]))
    return (f"use a mirror with --url URL (or ${ENV_URL}), or fetch {files} by hand from "
            f"{BASE_URL} and unzip them into {dest} (or point ARNAS_DATA at the folder)")


def run(args) -> int:
    from pymoo_arnas.data import download

    try:
        root = download(args.datasets, dest=args.dest, base_url=args.url, force=args.force,
                        progress=not args.quiet)
    except (ValueError, KeyboardInterrupt):
        raise
    except Exception as exc:  # no network, HTTP error, bad archive, disk full
        text = str(exc)
        if "--url" not in text:  # the error does not say yet how else to get the data
            text = f"{text}; {_manual_route(args)}"
        raise CLIError(text, FAILURE) from exc
    print(f"robustness dataset ready in {root}")
    return 0
