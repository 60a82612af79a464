"""Live tests: tiny settings, one torch thread (the CI machines are small and shared)."""

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")

from pymoo_arnas.live.config import TrainConfig  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture
def tiny():
    """A config that trains a cell on digits in well under a second."""
    return TrainConfig(C=4, N=1, epochs=2, batch_size=32, lr=0.01, optimizer="adam",
                       max_train=256, max_test=100, eval_pgd_steps=3, device="cpu",
                       num_threads=1)
