"""Live tests: tiny settings, one torch thread (the CI machines are small and shared).

Skipped as a whole when the ``live`` extra (torch, scikit-learn) is not installed.
"""

import importlib.util

import pytest

collect_ignore_glob = []
if importlib.util.find_spec("torch") is None or importlib.util.find_spec("sklearn") is None:
    collect_ignore_glob = ["test_*.py"]  # pip install torch==2.13.0 scikit-learn to run them


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def tiny():
    """A config that trains a cell on digits in well under a second."""
    from pymoo_arnas.live.config import TrainConfig

    return TrainConfig(C=4, N=1, epochs=2, batch_size=32, lr=0.01, optimizer="adam",
                       max_train=256, max_test=100, eval_pgd_steps=3, device="cpu",
                       num_threads=1)
