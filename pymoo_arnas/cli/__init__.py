"""The ``arnas`` command line (also ``python -m pymoo_arnas``): the top layer of the package.

Every sub-command is one module of this package (:data:`COMMANDS`) with
``add_parser(subparsers)``, which registers the sub-command and sets ``func=run``, and
``run(args) -> int``. A module may also set ``kept=<function(args) -> str>``: what an
interrupted run leaves behind, said in the line printed after Ctrl-C.

Mistakes end in one line on stderr, ``arnas <command>: error: <message>``, and a non-zero
exit (2: a usage mistake, 1: a failure at run time, 130: interrupted), never a traceback
(``-vv`` shows it). No lower package imports this one.

Examples
--------
>>> from pymoo_arnas.cli import COMMANDS, build_parser
>>> COMMANDS
('search', 'bench', 'paper', 'analyze', 'scores', 'download', 'live', 'llm_server')
>>> args = build_parser().parse_args(["search", "--budget", "50"])
>>> args.command, args.budget, args.algorithm
('search', 50, 'nsga2-cat')
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from pymoo_arnas.cli.errors import FAILURE, INTERRUPTED, USAGE, CLIError, one_line

COMMANDS = ("search", "bench", "paper", "analyze", "scores", "download", "live",
            "llm_server")
"""Sub-command modules of :mod:`pymoo_arnas.cli`, in the order ``arnas --help`` lists them."""

log = logging.getLogger(__name__)


class ArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose usage errors are one line (with a pointer to ``--help``)
    and whose help shows every option's default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(USAGE, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows ``(default: ...)`` after each option's help, unless the help already says it or
    the option is a flag."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False \
                or action.default == argparse.SUPPRESS or action.nargs == 0:
            return text
        return super()._get_help_string(action)


def _version() -> str:
    from pymoo_arnas import __version__

    return f"arnas (pymoo-arnas) {__version__}"


def build_parser() -> ArgumentParser:
    """The parser of ``arnas`` with every sub-command of :data:`COMMANDS`."""
    parser = ArgumentParser(
        prog="arnas",
        description="Adversarial-robustness NAS on NAS-Bench-201 with pymoo.",
    )
    parser.add_argument("--version", action="version", version=_version())
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv: tracebacks of errors too)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=ArgumentParser)
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def _silence_stdout() -> None:
    """After a broken pipe (``arnas search | head -1``): send what is left to /dev/null, so
    the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (a test's)
        pass


def main(argv=None) -> int:
    """Run ``arnas`` with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == ["--version"]:  # answered without importing the sub-commands
        print(_version())
        return 0
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:  # while the sub-commands load
        print("arnas: interrupted; nothing was started", file=sys.stderr)
        return INTERRUPTED
    logging.basicConfig(
        level=logging.WARNING - 10 * args.verbose, format="%(levelname)s %(name)s: %(message)s"
    )
    prog = f"arnas {args.command}"

    def fail(message, code):
        if args.verbose >= 2:
            import traceback

            traceback.print_exc()
        print(f"{prog}: error: {one_line(message)}", file=sys.stderr)
        return code

    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        _silence_stdout()
        return FAILURE
    except KeyboardInterrupt:
        kept = getattr(args, "kept", None)
        try:
            what = kept(args) if kept else "nothing was kept"
        except Exception:  # noqa: BLE001 - describing what was kept must not fail
            what = "see the output folder for what was kept"
        print(f"{prog}: interrupted; {what}", file=sys.stderr)
        return INTERRUPTED
    except CLIError as exc:
        return fail(exc, exc.code)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        return fail(exc, USAGE)
    except ImportError as exc:
        return fail(exc, FAILURE)
    except OSError as exc:  # missing file, no network, permission, disk full
        message = str(exc) if str(exc) else type(exc).__name__
        return fail(message, FAILURE)
    except Exception as exc:  # noqa: BLE001 - any other failure: one line, not a traceback
        return fail(f"{type(exc).__name__}: {exc}", FAILURE)


class _SemaphoreLedger:
    """The semaphores this process registered with multiprocessing's resource tracker and
    has not yet unregistered (the worker pool's queue locks), so that :func:`run` can release
    them itself before ``os._exit`` after Ctrl-C.

    The pool's queues are freed in whichever thread drops them last, often its manager or
    feeder thread. Leaving while such a thread is between removing a semaphore and telling the
    tracker made the tracker warn on stderr that one leaked (about 1 in 20 interrupted
    2-worker sweeps under load). With the ledger, a name is told to the tracker once: by its
    own finaliser or by :meth:`release`, whichever comes first.
    """

    def __init__(self) -> None:
        import threading
        from multiprocessing import resource_tracker

        self._register = resource_tracker.register
        self._unregister = resource_tracker.unregister
        self._names: set = set()
        self._lock = threading.Lock()
        resource_tracker.register = self.register
        resource_tracker.unregister = self.unregister

    def register(self, name, rtype):
        with self._lock:
            if rtype == "semaphore":
                self._names.add(name)
            self._register(name, rtype)

    def unregister(self, name, rtype):
        with self._lock:
            if rtype == "semaphore":
                if name not in self._names:
                    return  # released already
                self._names.discard(name)
            self._unregister(name, rtype)

    def release(self) -> None:
        """Remove every semaphore still registered and tell the tracker."""
        try:
            from _multiprocessing import sem_unlink
        except ImportError:  # no named semaphores here
            return
        with self._lock:
            for name in sorted(self._names):
                try:
                    sem_unlink(name)
                except OSError:  # removed already by its finaliser
                    pass
                self._unregister(name, "semaphore")
            self._names.clear()


def run() -> None:
    """The ``arnas`` executable (and ``python -m pymoo_arnas``): :func:`main`, then exit with
    its status. After Ctrl-C the process leaves at once when the one-line message is out,
    without the interpreter's shutdown, whose join of the worker pool's manager thread can
    hang: a worker stopped while it wrote its result leaves half a message in the result
    pipe, and that thread waits for the rest (traced on an interrupted 2-worker sweep under
    load, about 1 in 8). Multiprocessing's exit step that releases the pool's semaphores
    still runs. Every finished run is on disk by then."""
    try:
        ledger = _SemaphoreLedger()
    except Exception:  # noqa: BLE001 - no resource tracker: nothing to release
        ledger = None
    code = main()
    if code == INTERRUPTED:
        import multiprocessing.util

        # release the worker pool's semaphores first, as the interpreter's shutdown would
        # (os._exit skips it): else multiprocessing's resource tracker warns on stderr that
        # they leaked
        try:
            multiprocessing.util._run_finalizers(0)
            if ledger is not None:
                ledger.release()
        except Exception:  # noqa: BLE001 - leaving anyway
            pass
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


__all__ = ["COMMANDS", "build_parser", "main", "run"]
