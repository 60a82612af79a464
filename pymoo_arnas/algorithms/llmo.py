"""LLMO: the seed paper's single-solution loop, one LLM call per evaluation.

Zhong et al. (2024), "Large Language Model Assisted Adversarial Robustness Neural
Architecture Search": every iteration the model gets a CRISPE prompt (Capacity and role,
Insight, Statement, Personality, Experiment) with the best cells found so far and their
accuracy, and proposes one new cell; it is evaluated, the best are kept, and an invalid or
already-evaluated proposal is replaced by a random unseen cell (the *random fallback*).

Unlike the paper's code, a genome here is decoded to exactly the cell whose edges carry
those operations (:mod:`pymoo_arnas.space`), so the model's edits have their meaning.

The client is anything with ``complete(prompt, system=None, schema=None, tag=None)``
returning a string or an object with ``.text`` (the :mod:`pymoo_arnas.llm` clients,
including :class:`~pymoo_arnas.llm.ReplayClient`); a bare ``complete(prompt)`` works too.
"""

from __future__ import annotations

import copy
import json
import logging
import re

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.util.display.single import SingleObjectiveOutput
from pymoo.util.optimum import filter_optimum

from pymoo_arnas.space import EDGES, N_EDGES, N_OPS, N_UNIQUE, OPS, class_of_code, encode

log = logging.getLogger(__name__)

CRISPE_TEMPLATE = """\
Capacity and role: You are an expert in neural architecture search and adversarial robustness.
Insight: We search the NAS-Bench-201 cell space. A cell has 4 nodes and 6 edges {edges}; each edge
carries one operation: {ops}. A cell is written as a list of 6 integers, the operation on each edge
in that order. The networks were trained on {dataset} and are scored by {objective}.
The best cells evaluated so far, with their {objective} in percent (higher is better):
{history}
Statement: Propose one new cell, different from all cells above, that you expect to score higher.
Personality: Be concise and precise; think like an optimisation algorithm that balances
exploiting the best cells with exploring new operations.
Experiment: Answer with only a JSON list of 6 integers in 0..{max_op}, e.g. [3, 1, 2, 3, 0, 4].
"""

_ROW_RE = re.compile(r"\[" + r"\s*,".join([r"\s*(-?\d+)"] * N_EDGES) + r"\s*\]")


def _text(resp) -> str:
    return resp if isinstance(resp, str) else str(getattr(resp, "text", resp))


def parse_one_cell(text: str):
    """The first valid genome ``(6,)`` in an answer, or None.

    >>> parse_one_cell("sure: [3, 3, 1, 0, 2, 4]").tolist()
    [3, 3, 1, 0, 2, 4]
    >>> parse_one_cell("no idea") is None
    True
    """
    try:
        from pymoo_arnas.llm.parsing import parse_cells  # the LLM package's robust parser

        X = parse_cells(text).X
        return X[0] if len(X) else None
    except ImportError:  # pragma: no cover - the LLM package is part of the project
        for m in _ROW_RE.finditer(text or ""):
            g = np.array([int(v) for v in m.groups()], dtype=np.int64)
            if ((g >= 0) & (g < N_OPS)).all():
                return g
        return None


class LLMO(Algorithm):
    """The paper's LLMO loop as a pymoo algorithm (single objective; one cell per iteration).

    Parameters
    ----------
    llm : object
        The client (see the module docstring).
    n_history : int
        Best cells shown in each prompt.
    n_init : int
        Random cells evaluated before the first call (the paper starts from one).
    template : str, optional
        A CRISPE prompt with ``{edges} {ops} {dataset} {objective} {history} {max_op}``.

    Attributes
    ----------
    n_calls, n_fallbacks : int
        LLM calls made, and proposals replaced by a random unseen cell (invalid answer,
        repeated cell, or a failed call).
    """

    def __init__(self, llm=None, n_history: int = 10, n_init: int = 1, template=None, **kwargs):
        kwargs.setdefault("output", SingleObjectiveOutput())
        super().__init__(**kwargs)
        if llm is None or not hasattr(llm, "complete"):
            raise ValueError(
                "llmo needs an LLM client with a complete(prompt) method, e.g. "
                "pymoo_arnas.llm.GeminiClient(...) or ReplayClient(tape)"
            )
        self.llm = llm
        self.n_history = int(n_history)
        self.n_init = max(int(n_init), 1)
        self.template = CRISPE_TEMPLATE if template is None else template
        self.n_calls = 0
        self.n_fallbacks = 0

    def __deepcopy__(self, memo):
        # pymoo's minimize deep-copies the algorithm; the client (and its counters,
        # connections, tape) is shared, not copied
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        memo[id(self.llm)] = self.llm
        for k, v in self.__dict__.items():
            setattr(new, k, copy.deepcopy(v, memo))
        return new

    def _setup(self, problem, **kwargs):
        if problem.n_obj != 1:
            raise ValueError(
                f"llmo is single-objective; the problem has {problem.n_obj} objectives"
            )
        self._class = class_of_code()
        self._seen = np.zeros(N_UNIQUE, dtype=bool)
        self._hist_X: list = []
        self._hist_f: list = []

    def _code(self, g) -> int:
        return int(encode(g)[0])

    def _random_unseen(self):
        while True:
            g = self.random_state.integers(0, N_OPS, size=N_EDGES)
            if not self._seen[self._class[self._code(g)]]:
                return g

    def _prompt(self) -> str:
        order = np.argsort(self._hist_f, kind="stable")[: self.n_history]
        lines = [
            f"{json.dumps(self._hist_X[i].tolist())}: {100 * (1 - self._hist_f[i]):.2f}"
            for i in order
        ]
        col = getattr(self.problem, "columns", ("accuracy",))[0]
        return self.template.format(
            edges=", ".join(f"{a}->{b}" for a, b in EDGES),
            ops=", ".join(f"{i} {o}" for i, o in enumerate(OPS)),
            dataset=getattr(self.problem, "dataset", "the dataset"),
            objective=f"accuracy ({col})",
            history="\n".join(lines),
            max_op=N_OPS - 1,
        )

    def _ask(self):
        prompt = self._prompt()
        self.n_calls += 1
        try:
            try:
                resp = self.llm.complete(
                    prompt,
                    system=None,
                    schema={"type": "array", "items": {"enum": list(range(N_OPS))},
                            "minItems": N_EDGES, "maxItems": N_EDGES},
                    tag=f"llmo/{self.n_calls}",
                )
            except TypeError:
                resp = self.llm.complete(prompt)
            g = parse_one_cell(_text(resp))
        except Exception as exc:  # noqa: BLE001 - any failure falls back to a random cell
            log.warning("llmo: LLM call %d failed (%s); random fallback", self.n_calls, exc)
            g = None
        if g is None or self._seen[self._class[self._code(g)]]:
            self.n_fallbacks += 1
            g = self._random_unseen()
        return g

    def _initialize_infill(self):
        return Population.new(X=np.array([self._random_unseen() for _ in range(1)]))

    def _infill(self):
        if len(self._hist_X) < self.n_init:
            return Population.new(X=self._random_unseen()[None])
        return Population.new(X=self._ask()[None])

    def _tell(self, infills):
        for x, f in zip(infills.get("X"), infills.get("F")):
            x = np.asarray(x, dtype=np.int64)
            self._seen[self._class[self._code(x)]] = True
            self._hist_X.append(x)
            self._hist_f.append(float(f[0]))

    def _initialize_advance(self, infills=None, **kwargs):
        self._tell(infills)

    def _advance(self, infills=None, **kwargs):
        self._tell(infills)
        self.pop = infills

    def _set_optimum(self):
        pop = self.pop if self.opt is None else Population.merge(self.opt, self.pop)
        self.opt = filter_optimum(pop, least_infeasible=True)


__all__ = ["CRISPE_TEMPLATE", "LLMO", "parse_one_cell"]
