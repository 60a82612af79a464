import sys

from pymoo_arnas.experiments.cli import main

sys.exit(main())
