"""``python -m pymoo_arnas``: the ``arnas`` command line (:func:`pymoo_arnas.cli.run`)."""

from pymoo_arnas.cli import run

if __name__ == "__main__":
    run()
