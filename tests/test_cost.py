"""Closed-form params / flops against the live PyTorch network."""

import numpy as np
import pytest

from pymoo_arnas.cost import flops, params
from pymoo_arnas.space import all_genomes, isomorphism_class

torch = pytest.importorskip("torch")
from pymoo_arnas.live.model import NB201Network  # noqa: E402


def _torch_flops(model, size):
    """Multiply-adds of Conv2d and Linear layers (+ linear bias), counted by hooks."""
    total = [0]

    def conv(m, inp, out):
        total[0] += out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1] // m.groups

    def linear(m, inp, out):
        total[0] += out.numel() * m.in_features + (out.numel() if m.bias is not None else 0)

    hooks = [m.register_forward_hook(conv) for m in model.modules()
             if isinstance(m, torch.nn.Conv2d)]
    hooks += [m.register_forward_hook(linear) for m in model.modules()
              if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        model.eval()(torch.zeros(1, 3, size, size))
    for h in hooks:
        h.remove()
    return total[0]


@pytest.mark.parametrize("C,N,n_classes,size", [
    pytest.param(16, 5, 10, 32, marks=pytest.mark.slow),
    pytest.param(16, 5, 100, 32, marks=pytest.mark.slow),
    (4, 1, 120, 16), (8, 2, 7, 8)])
@pytest.mark.slow
def test_params_and_flops_match_torch_exactly(C, N, n_classes, size):
    rng = np.random.default_rng(C * 100 + N)
    X = np.vstack([rng.integers(0, 5, (6, 6)), [[3] * 6, [0] * 6]])
    p, f = params(X, C, N, n_classes), flops(X, C, N, n_classes, size)
    for g, pi, fi in zip(X, p, f):
        net = NB201Network(g, C=C, N=N, num_classes=n_classes)
        assert pi == sum(q.numel() for q in net.parameters())
        assert fi == _torch_flops(net, size)


def test_cost_belongs_to_the_genome_not_its_class():
    # a 3x3 conv on edge 1->3 when node 1 is unreachable (edge 0->1 is none): same class
    a, b = [0, 1, 0, 1, 0, 0], [0, 1, 0, 1, 3, 0]
    assert isomorphism_class([a])[0] == isomorphism_class([b])[0]
    assert params([b])[0] - params([a])[0] == 5 * sum(9 * w * w + 2 * w for w in (16, 32, 64))
    assert flops([b])[0] > flops([a])[0]


def test_vectorised_over_the_whole_space():
    p = params(all_genomes())
    assert p.shape == (15625,) and p.dtype == np.int64
    assert p.min() == params([[0] * 6])[0] and p.max() == params([[3] * 6])[0]


@pytest.mark.parametrize("kwargs", [{"C": 0}, {"N": 1.5}, {"n_classes": True}])
def test_bad_sizes_are_named(kwargs):
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        params([[0] * 6], **kwargs)


def test_input_size_must_allow_two_reductions():
    with pytest.raises(ValueError, match="multiple of 4"):
        flops([[0] * 6], input_size=30)
