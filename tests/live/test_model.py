"""The NAS-Bench-201 network: every op, the cell wiring, dead cells, isomorphic cells."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from pymoo_arnas.live.model import Cell, NB201Network, ReLUConvBN, Zero, count_parameters, make_op
from pymoo_arnas.space import EDGES, OPS, N_CELLS, _class_of_code, canonical_str, decode

pytestmark = pytest.mark.live  # needs the `live` extra (torch, scikit-learn)

X = torch.rand(5, 4, 6, 6, generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("name", OPS)
def test_every_op_builds_and_keeps_shape(name):
    op = make_op(name, 4).eval()
    y = op(X)
    assert y.shape == X.shape
    if name == "none":
        assert isinstance(op, Zero) and torch.count_nonzero(y) == 0
    elif name == "skip_connect":
        assert torch.equal(y, X)
    elif name == "avg_pool_3x3":
        assert torch.allclose(y, F.avg_pool2d(X, 3, 1, 1, count_include_pad=False))
    else:
        k = 1 if name.endswith("1x1") else 3
        assert isinstance(op, ReLUConvBN)
        relu, conv, bn = op.op
        assert isinstance(relu, nn.ReLU) and isinstance(bn, nn.BatchNorm2d)
        assert conv.kernel_size == (k, k) and conv.stride == (1, 1) and conv.bias is None
        assert torch.allclose(y, bn(conv(torch.relu(X))))


def test_unknown_op_and_bad_sizes_are_refused():
    with pytest.raises(ValueError, match="nor_conv_5x5.*expected one of"):
        make_op("nor_conv_5x5", 4)
    with pytest.raises(ValueError, match="x2"):
        NB201Network([0, 1, 7, 0, 0, 0])
    with pytest.raises(ValueError, match="C must be a positive integer"):
        NB201Network([0] * 6, C=0)


def test_cell_computes_node_sums_of_its_genome():
    rng = np.random.default_rng(1)
    for g in rng.integers(0, 5, size=(10, 6)):
        cell = Cell(g, 4).eval()
        for pos, op in enumerate(cell.edges):
            assert type(op) is type(make_op(OPS[g[pos]], 4))
        nodes = [X]
        for j in (1, 2, 3):
            nodes.append(sum(cell.edges[p](nodes[s]) for p, (s, d) in enumerate(EDGES) if d == j))
        assert torch.allclose(cell(X), nodes[3])


def test_network_layout():
    net = NB201Network([3] * 6, C=4, N=2, in_channels=1, num_classes=7)
    kinds = [type(m).__name__ for m in net.cells]
    assert kinds == ["Cell"] * 2 + ["ResNetBasicBlock"] + ["Cell"] * 2 + ["ResNetBasicBlock"] + ["Cell"] * 2
    widths = [m.edges[0].op[1].in_channels for m in net.cells if isinstance(m, Cell)]
    assert widths == [4, 4, 8, 8, 16, 16]
    assert net(torch.rand(3, 1, 8, 8)).shape == (3, 7)
    # parameters differ by the ops: conv3x3 cells are bigger than conv1x1, which beat pooling
    sizes = [count_parameters(NB201Network([op] * 6, C=4, N=1)) for op in (4, 2, 3)]
    assert sizes[0] < sizes[1] < sizes[2]


def _dead(g):
    return "0" not in canonical_str(g)  # node 3 has no path from the input


def _randomise(net, seed):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
    return net


@pytest.mark.slow  # over a second: the full suite runs it
def test_a_cell_without_a_path_from_its_input_passes_no_signal():
    codes = np.arange(N_CELLS)
    G = decode(codes)
    dead = np.array([_dead(g) for g in G])
    assert dead[0] and dead.sum() > 100  # all-none and many more
    rng = np.random.default_rng(0)
    x1, x2 = torch.rand(4, 1, 8, 8), torch.rand(4, 1, 8, 8)
    for code in [0, *rng.choice(codes[dead], 15, replace=False)]:
        net = _randomise(NB201Network(G[code], C=4, N=2, in_channels=1), 1)
        for mode in (net.eval, net.train):
            mode()
            out1, out2 = net(x1), net(x2)
            assert torch.equal(out1, out2), G[code]  # exactly: zeros carry no trace of x
            assert torch.equal(out1, out1[:1].expand_as(out1))  # same for every input
    for code in rng.choice(codes[~dead], 15, replace=False):
        # (random init shrinks the signal through deep stacks; N=1 keeps it well visible)
        net = _randomise(NB201Network(G[code], C=4, N=1, in_channels=1), 1).eval()
        assert (net(x1) - net(x2)).abs().max() > 1e-5, G[code]


def _edge_terms(g):
    """Each edge's term in the canonical expression (see space.canonical_str)."""
    nodes, terms = {0: "0"}, [None] * 6
    for target in (1, 2, 3):
        ts = []
        for pos, (src, dst) in enumerate(EDGES):
            if dst != target:
                continue
            op, inp = OPS[g[pos]], nodes[src]
            t = "#" if op == "none" or inp == "#" else inp if op == "skip_connect" else f"({inp})@{op}"
            terms[pos] = t
            ts.append(t)
        nodes[target] = "+".join(sorted(ts))
    return terms


def _transplant(a, ga, b, gb):
    """Give network ``b`` (genome gb) the weights of ``a`` (genome ga) term by term.

    Edges of ``a`` with the same term are tied first (NAS-Bench-201's rule treats them as
    one), and parametric edges on a dead input get a zero BatchNorm shift (the rule counts
    them as zero; with a shift they add a constant).
    """
    b.stem.load_state_dict(a.stem.state_dict())
    b.lastact.load_state_dict(a.lastact.state_dict())
    b.classifier.load_state_dict(a.classifier.state_dict())
    ta, tb = _edge_terms(ga), _edge_terms(gb)
    for ca, cb in zip(a.cells, b.cells):
        if not isinstance(ca, Cell):
            cb.load_state_dict(ca.state_dict())
            continue
        source = {}
        for pos, t in enumerate(ta):
            if isinstance(ca.edges[pos], ReLUConvBN):
                if t == "#":
                    bn = ca.edges[pos].op[2]
                    bn.running_mean.zero_(), bn.bias.data.zero_()
                elif t in source:
                    ca.edges[pos].load_state_dict(source[t].state_dict())
                else:
                    source[t] = ca.edges[pos]
        for pos, t in enumerate(tb):
            if isinstance(cb.edges[pos], ReLUConvBN):
                if t == "#":
                    bn = cb.edges[pos].op[2]
                    bn.running_mean.zero_(), bn.bias.data.zero_()
                else:
                    cb.edges[pos].load_state_dict(source[t].state_dict())


@pytest.mark.slow  # over a second: the full suite runs it
@torch.no_grad()
def test_isomorphic_genomes_compute_the_same_function():
    cls = _class_of_code()
    counts = np.bincount(cls)
    rng = np.random.default_rng(3)
    multi = np.flatnonzero(counts >= 2)
    x = torch.rand(6, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    checked = 0
    for c in rng.choice(multi, 40, replace=False):
        members = np.flatnonzero(cls == c)
        ca, cb = rng.choice(members, 2, replace=False)
        ga, gb = decode([ca])[0], decode([cb])[0]
        assert canonical_str(ga) == canonical_str(gb)
        a = _randomise(NB201Network(ga, C=3, N=2, in_channels=1), 5).eval()
        b = _randomise(NB201Network(gb, C=3, N=2, in_channels=1), 6).eval()
        _transplant(a, ga, b, gb)
        assert torch.allclose(a(x), b(x), atol=1e-5), (ga, gb)
        checked += 1
    assert checked == 40
    # and the check can fail: two non-isomorphic genomes differ after the same transplant
    ga, gb = np.array([3, 3, 3, 3, 3, 3]), np.array([3, 3, 3, 3, 3, 1])
    a = _randomise(NB201Network(ga, C=3, N=2, in_channels=1), 5).eval()
    b = _randomise(NB201Network(gb, C=3, N=2, in_channels=1), 6).eval()
    b.load_state_dict(a.state_dict(), strict=False)
    assert not torch.allclose(a(x), b(x), atol=1e-3)
