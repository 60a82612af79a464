"""``python -m pymoo_arnas``: the ``arnas`` command line (:func:`pymoo_arnas.cli.main`)."""

import sys

from pymoo_arnas.cli import main

if __name__ == "__main__":
    sys.exit(main())
