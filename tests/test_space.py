"""The genome decodes to exactly the cell with those ops on those edges."""

import itertools
import json

import numpy as np
import pytest

from pymoo_arnas import space
from pymoo_arnas.data import find_data_dir
from pymoo_arnas.data.locate import meta_path


@pytest.fixture(scope="module")
def meta():
    with open(meta_path(find_data_dir())) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def index(meta):
    return space.CellIndex.from_meta(meta)


def test_all_conv3x3_genome_is_the_all_conv3x3_cell():
    arch = space.to_arch_str([3, 3, 3, 3, 3, 3])
    assert arch == "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def test_each_position_is_its_edge():
    # a genome with one op on one edge, none elsewhere, names exactly that edge in the string
    for pos, (src, dst) in enumerate(space.EDGES):
        for op in range(1, 5):
            g = np.zeros(6, dtype=int)
            g[pos] = op
            groups = space.to_arch_str(g).strip("|").split("|+|")
            node_ops = [grp.split("|") for grp in groups]
            assert node_ops[dst - 1][src] == f"{space.OPS[op]}~{src}"
            assert sum(e.startswith("none") for grp in node_ops for e in grp) == 5


def test_arch_string_round_trip_for_every_cell():
    G = space.all_genomes()
    assert len({space.to_arch_str(g) for g in G}) == space.N_CELLS
    for g in G[::97]:
        assert space.from_arch_str(space.to_arch_str(g)).tolist() == g.tolist()


def test_encode_decode_round_trip():
    G = space.all_genomes()
    assert space.encode(G).tolist() == list(range(space.N_CELLS))
    assert np.array_equal(space.decode(space.encode(G)), G)


def test_index_matches_meta_strings(meta, index):
    rng = np.random.default_rng(3)
    for i in rng.integers(0, space.N_CELLS, size=300):
        g = index.index_to_genome([i])[0]
        assert space.to_arch_str(g) == meta["ids"][str(i)]["nb201-string"]
        assert index.genome_to_index(g)[0] == i
        assert index.genome_to_uid(g)[0] == int(meta["ids"][str(i)]["isomorph"])


def test_unique_ids_and_isomorphism_classes_agree_with_meta(meta, index):
    assert len(index.uids) == space.N_UNIQUE
    classes = space.isomorphism_class(space.all_genomes())
    assert len(np.unique(classes)) == space.N_UNIQUE
    # the computed partition is the meta.json partition: a bijection class <-> uid
    pairs = set(zip(classes.tolist(), index.code_to_uid.tolist()))
    assert len(pairs) == space.N_UNIQUE
    # representatives decode to themselves
    assert np.array_equal(index.genome_to_uid(index.uid_to_genome(index.uids)), index.uids)


def test_isomorphic_genomes_share_a_uid(index):
    # node 1 carries conv1x1 twice in two ways: skip from node 1 vs a fresh conv1x1 from node 0
    a = [2, 0, 1, 3, 4, 1]
    b = [2, 2, 0, 3, 4, 1]
    assert space.canonical_str(a) == space.canonical_str(b)
    assert index.genome_to_uid([a, b]).tolist()[0] == index.genome_to_uid([a, b]).tolist()[1]
    # a cell whose output is cut off from the input: every such cell is one class
    dead = [g for g in itertools.product(range(5), repeat=6) if g[3] == g[4] == g[5] == 0]
    assert len(set(index.genome_to_uid(dead).tolist())) == 1


@pytest.mark.parametrize(
    "bad, match",
    [
        ([[0, 1, 2, 3, 4, 5]], "row 0 has the value 5 at x5"),
        ([[0, 1, 2], [1, 2, 3]], r"shape \(n, 6\)"),
        ([[0, 1, 2, 3, 4, -1], [0, 0, 0, 0, 0, 0]], "value -1 at x5"),
        ([[0, 0, 0, 0, 0, 0], [0, 1.5, 0, 0, 0, 0]], "row 1 has the value 1.5 at x1"),
        ([[0, 0, np.nan, 0, 0, 0]], "value nan at x2"),
        ([["a"] * 6], "dtype"),
    ],
)
def test_validate_names_row_and_value(bad, match):
    with pytest.raises(ValueError, match=match):
        space.validate(np.array(bad))


def test_integral_floats_are_accepted():
    assert space.validate(np.array([[0.0, 1.0, 2.0, 3.0, 4.0, 0.0]])).dtype == np.int64


def test_bad_arch_strings():
    with pytest.raises(ValueError, match="not a NAS-Bench-201 arch string"):
        space.from_arch_str("|conv~0|")
    with pytest.raises(ValueError, match="unknown operation 'conv5x5'"):
        space.from_arch_str("|conv5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|")
