"""FGSM / PGD, and training one cell: seeding, devices, metrics."""

import numpy as np
import pytest
import torch
from torch import nn

from pymoo_arnas.live.attacks import fgsm, pgd
from pymoo_arnas.live.config import TrainConfig, cell_seed, metric_name, parse_metric
from pymoo_arnas.live.datasets import LiveData, load_dataset
from pymoo_arnas.live.train import accuracy, resolve_device, train_cell

pytestmark = pytest.mark.live  # needs the `live` extra (torch, scikit-learn)


@pytest.fixture(scope="module")
def linear_model():
    """A logistic regression on digits, trained well enough that attacks have work to do."""
    torch.manual_seed(0)
    d = load_dataset("digits")
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(150):
        loss = nn.functional.cross_entropy(model(d.x_train), d.y_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), d


@pytest.mark.slow
def test_fgsm_is_one_signed_gradient_step(linear_model):
    model, d = linear_model
    x, y = d.x_test[:50], d.y_test[:50]
    xr = x.clone().requires_grad_(True)
    nn.functional.cross_entropy(model(xr), y).backward()
    expected = (x + 0.05 * xr.grad.sign()).clamp(0, 1)
    assert torch.equal(fgsm(model, x, y, 0.05), expected)
    assert torch.equal(fgsm(model, x, y, 0.0), x)


@pytest.mark.slow
def test_pgd_stays_in_the_ball_and_beats_fgsm(linear_model):
    model, d = linear_model
    x, y = d.x_test, d.y_test
    clean = accuracy(model, x, y, 128)
    assert clean > 0.9
    x_adv = pgd(model, x, y, eps=0.1, steps=10, generator=torch.Generator().manual_seed(0))
    assert (x_adv - x).abs().max() <= 0.1 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    acc_fgsm = accuracy(model, x, y, 128, lambda m, a, b: fgsm(m, a, b, 0.1))
    acc_pgd = accuracy(model, x, y, 128, lambda m, a, b: pgd(m, a, b, 0.1, steps=10))
    assert acc_pgd <= acc_fgsm < clean
    assert acc_pgd < clean - 0.2
    # seeded random start: same generator seed, same examples
    again = pgd(model, x, y, eps=0.1, steps=10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(x_adv, again)
    with pytest.raises(ValueError, match="steps"):
        pgd(model, x, y, 0.1, steps=0)


def test_metric_names_and_config_validation():
    assert metric_name("pgd", 0.1) == "pgd@Linf:0.1"
    assert parse_metric("pgd@Linf", 0.05) == ("pgd@Linf", 0.05)
    assert parse_metric("clean") == ("clean", None)
    with pytest.raises(ValueError, match="unknown live attack 'cw'.*fgsm@Linf, pgd@Linf"):
        parse_metric("cw", 0.1)
    with pytest.raises(ValueError, match="needs an epsilon"):
        parse_metric("pgd@Linf")
    with pytest.raises(ValueError, match="adv 'trades' is unknown; expected one of none, fgsm, pgd"):
        TrainConfig(adv="trades")
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lion")
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="device 'tpu'"):
        TrainConfig(device="tpu")
    base = TrainConfig()
    assert base.key() == TrainConfig(device="cpu", num_threads=3).key()  # not part of results
    assert base.key() == TrainConfig(adv_eps=0.3).key()  # no adversarial training: eps unused
    assert base.key() != TrainConfig(adv="pgd").key() != TrainConfig(adv="pgd", adv_eps=0.3).key()
    assert base.key() != TrainConfig(seed=1).key()
    assert cell_seed(0, "a") != cell_seed(0, "b")


def test_datasets():
    d = load_dataset("digits")
    assert float(d.x_train.min()) >= 0 and float(d.x_train.max()) <= 1
    assert set(d.y_train.tolist()) == set(range(10))
    s = d.subset(100, 20)
    assert len(s.x_train) == 100 and len(s.x_test) == 20
    assert torch.equal(s.x_train, d.subset(100, 20).x_train)  # a fixed subset
    with pytest.raises(ValueError, match="unknown live dataset 'mnist'.*digits, cifar10, cifar100"):
        load_dataset("mnist")
    train = torch.utils.data.TensorDataset(torch.rand(10, 2, 5, 5), torch.arange(10) % 3)
    test = torch.utils.data.TensorDataset(torch.rand(4, 2, 5, 5), torch.arange(4) % 3)
    own = LiveData.from_datasets(train, test, name="mine")
    assert own.in_channels == 2 and own.num_classes == 3 and own.x_test.shape == (4, 2, 5, 5)
    with pytest.raises(ValueError, match="name"):
        LiveData.from_datasets(train, test, name="")


@pytest.mark.slow
def test_train_cell_is_seeded_by_cell_and_leaves_global_rng_alone(tiny):
    metrics = ("clean", "fgsm@Linf:0.1", "pgd@Linf:0.1")
    torch.manual_seed(123)
    state = torch.get_rng_state()
    r1 = train_cell([2, 3, 1, 3, 4, 2], "digits", tiny, metrics)
    assert torch.equal(torch.get_rng_state(), state)
    r2 = train_cell([2, 3, 1, 3, 4, 2], "digits", tiny, metrics)
    assert r1["metrics"] == r2["metrics"]
    assert set(r1["metrics"]) == set(metrics) and r1["device"] == "cpu" and r1["seconds"] > 0
    assert all(0 <= v <= 1 for v in r1["metrics"].values())
    assert r1["metrics"]["pgd@Linf:0.1"] <= r1["metrics"]["clean"]


@pytest.mark.slow
def test_a_cell_without_signal_is_unattackable_and_guesses_one_class(tiny):
    r = train_cell([0, 0, 0, 0, 0, 0], "digits", tiny, ("clean", "pgd@Linf:0.3"))
    d = load_dataset("digits").subset(tiny.max_train, tiny.max_test)
    shares = np.bincount(d.y_test.numpy(), minlength=10) / len(d.y_test)
    assert r["metrics"]["clean"] in set(shares.tolist())  # one constant prediction
    assert r["metrics"]["pgd@Linf:0.3"] == r["metrics"]["clean"]


@pytest.mark.slow
@pytest.mark.parametrize("adv", ["fgsm", "pgd"])
def test_adversarial_training_runs(tiny, adv):
    cfg = tiny.replace(adv=adv, adv_eps=0.1, adv_steps=2, epochs=1, max_train=64)
    r = train_cell([3, 3, 3, 3, 3, 3], "digits", cfg, ("clean", "pgd@Linf:0.1"))
    assert 0 <= r["metrics"]["pgd@Linf:0.1"] <= r["metrics"]["clean"] <= 1


def test_device_auto():
    mps = getattr(torch.backends, "mps", None)
    expected = ("cuda" if torch.cuda.is_available()
                else "mps" if mps is not None and mps.is_available() else "cpu")
    assert resolve_device("auto").type == expected
    assert resolve_device("cpu").type == "cpu"
