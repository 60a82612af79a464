"""Experiments: runner, metrics, plots and the ``arnas`` command line."""
