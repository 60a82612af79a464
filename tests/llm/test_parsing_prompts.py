"""Tolerant parsing of answers, and the prompt templates."""

import numpy as np
import pytest

from pymoo_arnas.llm.parsing import parse_cells
from pymoo_arnas.llm.prompts import (
    DEFAULT_TEMPLATE,
    PromptContext,
    PromptTemplate,
    answer_schema,
    describe_objective,
)
from pymoo_arnas.space import OPS, to_arch_str


@pytest.mark.parametrize("text, cells, repaired, dropped", [
    ("[[0,1,2,3,4,0]]", [[0, 1, 2, 3, 4, 0]], 0, 0),
    ('{"cells": [[0,1,2,3,4,0], [4,4,4,4,4,4]]}', [[0, 1, 2, 3, 4, 0], [4, 4, 4, 4, 4, 4]], 0, 0),
    ("```json\n[[1,1,1,1,1,1]]\n```\nThese are good because...", [[1] * 6], 0, 0),
    ("Sure: [1, 2, 3, 4, 0, 1] and then [3,3,3,3,3,3].", [[1, 2, 3, 4, 0, 1], [3] * 6], 0, 0),
    ('[["none","skip_connect","nor_conv_1x1","nor_conv_3x3","avg_pool_3x3","none"]]',
     [[0, 1, 2, 3, 4, 0]], 0, 0),
    ('[["zero","identity","conv1x1","conv 3x3","avg-pool","3"]]', [[0, 1, 2, 3, 4, 3]], 0, 0),
    ("[[1,2,3,4,0,1], [2,3", [[1, 2, 3, 4, 0, 1]], 0, 0),  # cut at max_tokens
    ("[[-1, 2, 3, 7, 0, 1.0]]", [], 0, 1),  # out of range: an invalid proposal
    ("[[1, 2, 3, 4, 0, 1.0]]", [[1, 2, 3, 4, 0, 1]], 0, 0),  # an integral float is an integer
    ("[[1, 2, 3, 4, 0, 1, 2, 2]]", [[1, 2, 3, 4, 0, 1]], 1, 0),  # truncated
    ("[[1, 2.5, 3, 4, 0, 1]]", [], 0, 1),  # not an integer: invalid
    ("[[1, 2, 3], [1, 2, 3, 4, 0, 1]]", [[1, 2, 3, 4, 0, 1]], 0, 1),  # short: dropped
    ('[["conv5x5", 1, 1, 1, 1, 1]]', [], 0, 1),  # unknown op: dropped
    ('[{"cell": [1,1,1,1,1,1], "why": "skip"}, {"genome": "[2,2,2,2,2,2]"}]', [[1] * 6, [2] * 6], 0, 0),
    ('{"cells": [[1,1,1,1,1,1]], "score": [93.1]}', [[1] * 6], 0, 0),
    (f'{{"architectures": ["{to_arch_str([3, 1, 0, 3, 2, 4])}"]}}', [[3, 1, 0, 3, 2, 4]], 0, 0),
    (f"Try {to_arch_str([2] * 6)} please", [[2] * 6], 0, 0),
    ("I like turtles.", [], 0, 0),
    ("", [], 0, 0),
    (None, [], 0, 0),
    ("{not json ][", [], 0, 0),
])
def test_parse_cells(text, cells, repaired, dropped):
    r = parse_cells(text)
    assert r.X.dtype == np.int64 and r.X.shape == (len(cells), 6)
    assert r.X.tolist() == cells
    assert (r.n_repaired, r.n_dropped, r.n_found) == (repaired, dropped, len(cells) + dropped)


def test_answer_schema_uses_enum_not_bounds():
    s = answer_schema(4)
    assert s["type"] == "array" and s["minItems"] == s["maxItems"] == 4
    assert s["items"]["items"] == {"enum": [0, 1, 2, 3, 4]}
    assert "minimum" not in str(s)


def test_default_prompt_is_crispe_and_complete():
    t = PromptTemplate()
    ctx = PromptContext(n=7, task="mutate", dataset="cifar100", objectives=["clean", "pgd@Linf:1.0"],
                        X=np.array([[3, 3, 3, 3, 3, 3], [0, 1, 2, 3, 4, 0]]),
                        values=np.array([[73.1, 29.0], [60.0, 20.5]]))
    user, system = t.render(ctx)
    assert "expert" in system
    for part in ("Insight:", "Statement:", "Personality:", "Experiment:"):
        assert part in user
    assert "exactly 7 new cells" in user and "CIFAR-100" in user
    assert "clean accuracy and PGD (L-inf, epsilon 1.0/255) robust accuracy, all maximised" in user
    for op in OPS:
        assert op in user
    assert "0->1, 0->2, 1->2, 0->3, 1->3, 2->3" in user
    assert user.index("[3, 3, 3, 3, 3, 3] -> 73.1, 29.0") < user.index("[0, 1, 2, 3, 4, 0] -> 60.0, 20.5")
    assert "higher is better" in user
    assert repr(t).startswith("PromptTemplate(default CRISPE")


def test_user_template_and_minimised_values():
    t = PromptTemplate("Make {n} cells.\n{examples}\nFormat: {format}", system="")
    user, system = t.render(PromptContext(n=2, X=np.array([[1] * 6]), values=np.array([[0.25, 3.0]]),
                                          maximise=False))
    assert system is None
    assert user.startswith("Make 2 cells.") and "[1, 1, 1, 1, 1, 1] -> 0.25, 3" in user
    assert "lower is better" in user


@pytest.mark.parametrize("template, match", [
    ("Give {k} cells", r"unknown placeholder\(s\) \{k\}"),
    ("Give cells on {dataset}", r"must contain \{n\}"),
    ("Give {n cells", "malformed"),
    (42, "must be a str"),
])
def test_bad_templates(template, match):
    with pytest.raises(ValueError, match=match):
        PromptTemplate(template)


def test_render_rejects_n_below_one():
    with pytest.raises(ValueError, match="n=0"):
        PromptTemplate().render(PromptContext(n=0))


@pytest.mark.parametrize("col, words", [
    ("clean", "clean accuracy"),
    ("fgsm@Linf:8.0", "FGSM (L-inf, epsilon 8.0/255) robust accuracy"),
    ("aa_square@Linf:1.0", "Square (L-inf, epsilon 1.0/255) robust accuracy"),
    ("gaussian_noise:3", "accuracy under gaussian noise corruption at severity 3"),
])
def test_describe_objective(col, words):
    assert describe_objective(col) == words


def test_default_template_names_every_placeholder():
    assert set(PromptTemplate(DEFAULT_TEMPLATE).fields) == {
        "n", "task", "dataset", "objectives", "ops", "edges", "examples", "avoid", "format"}
