"""The ``arnas`` command line (also ``python -m pymoo_arnas``).

Each sub-command lives in its own module with ``add_parser(subparsers)``, which registers
the sub-command and sets ``func`` (called with the parsed args, returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = (
    "pymoo_arnas.data.commands",  # download
    "pymoo_arnas.experiments.search_command",  # search (the README's main job)
    "pymoo_arnas.experiments.commands",  # bench, paper
    "pymoo_arnas.llm.commands",  # llm-server
    "pymoo_arnas.live.commands",  # live (torch)
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="arnas",
        description="Adversarial-robustness NAS on NAS-Bench-201 with pymoo.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="%(levelname)s %(name)s: %(message)s"
    )
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
