"""pymoo-arnas: adversarial-robustness neural architecture search as pymoo problems and operators."""

__version__ = "0.12.0"
