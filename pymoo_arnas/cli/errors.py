"""How the ``arnas`` command line reports a mistake: one line on stderr, never a traceback.

A sub-command raises :class:`CLIError` for a mistake it detects itself, or lets a
``ValueError`` (bad value), ``FileNotFoundError`` (missing data), ``ImportError``
(missing extra) and the like escape; :func:`pymoo_arnas.cli.main` turns each into one line
``arnas <command>: error: <message>`` and a non-zero exit (2 for a usage mistake, 1 for a
failure at run time).

Examples
--------
>>> from pymoo_arnas.cli.errors import CLIError, one_line
>>> CLIError("--budget must be >= 1; got 0").code
2
>>> one_line(ValueError("first line\\n  second line"))
'first line; second line'
"""

from __future__ import annotations

USAGE = 2
"""Exit status of a usage mistake (argparse's convention)."""

FAILURE = 1
"""Exit status of a failure at run time (no network, missing extra, ...)."""

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT)."""


class CLIError(Exception):
    """A command-line mistake, reported as one line and exit status ``code``."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = int(code)


def one_line(exc: BaseException | str) -> str:
    """The message of ``exc`` on one line (lines joined with ``"; "``, blanks squeezed)."""
    text = exc if isinstance(exc, str) else str(exc)
    if not isinstance(exc, str) and not text.strip():
        text = type(exc).__name__
    out = ""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            out += (" " if out.endswith((":", ",")) else "; ") + line if out else line
    return out


__all__ = ["CLIError", "FAILURE", "INTERRUPTED", "USAGE", "one_line"]
