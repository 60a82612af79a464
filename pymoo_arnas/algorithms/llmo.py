"""LLMO: the seed paper's single-solution loop, one LLM call per evaluation.

Zhong et al. (2024), "Large Language Model Assisted Adversarial Robustness Neural
Architecture Search": every iteration the model gets a CRISPE prompt (Capacity and role,
Insight, Statement, Personality, Experiment) with the best cells found so far and their
accuracy, and proposes one new cell; it is evaluated, the best are kept, and an invalid or
already-evaluated proposal is replaced by a random unseen cell (the *random fallback*).

LLMO speaks to its model exactly as the LLM operators do: the same client contract
(:class:`~pymoo_arnas.llm.LLMClient`, so any backend or a
:class:`~pymoo_arnas.llm.ReplayClient` tape), the same CRISPE prompt template
(:mod:`pymoo_arnas.llm.prompts`, asking for ``n=1`` cell), the same answer schema
(:func:`~pymoo_arnas.llm.prompts.answer_schema`) and the same parser
(:func:`~pymoo_arnas.llm.parsing.parse_cells`). A failed call falls back to a random cell,
except an unreachable model or a replay off its tape, which stop the run.

Unlike the paper's code, a genome here is decoded to exactly the cell whose edges carry
those operations (:mod:`pymoo_arnas.space`), so the model's edits have their meaning.
"""

from __future__ import annotations

import copy
import logging

import numpy as np
from pymoo.core.algorithm import Algorithm
from pymoo.core.population import Population
from pymoo.util.display.single import SingleObjectiveOutput
from pymoo.util.optimum import filter_optimum

from pymoo_arnas.llm.base import LLMClient, LLMError, LLMFatalError
from pymoo_arnas.llm.parsing import parse_cells
from pymoo_arnas.llm.prompts import DEFAULT_TEMPLATE, PromptContext, PromptTemplate, answer_schema
from pymoo_arnas.space import N_EDGES, N_OPS, N_UNIQUE, class_of_code, encode

log = logging.getLogger(__name__)

CRISPE_TEMPLATE = DEFAULT_TEMPLATE
"""The CRISPE prompt LLMO uses: the LLM operators' default template
(:data:`pymoo_arnas.llm.prompts.DEFAULT_TEMPLATE`), asked for one cell."""

TASK_LLMO = ("Propose a cell you expect to score higher than the best cells listed, balancing "
             "exploitation of the best cells with exploration of new operations.")


def parse_one_cell(text: str):
    """The first valid genome ``(6,)`` in an answer, or None.

    >>> parse_one_cell("sure: [3, 3, 1, 0, 2, 4]").tolist()
    [3, 3, 1, 0, 2, 4]
    >>> parse_one_cell("no idea") is None
    True
    """
    X = parse_cells(text).X
    return X[0] if len(X) else None


class LLMO(Algorithm):
    """The paper's LLMO loop as a pymoo algorithm (single objective; one cell per iteration).

    Parameters
    ----------
    llm : LLMClient
        The backend (:class:`~pymoo_arnas.llm.OpenAIClient`,
        :class:`~pymoo_arnas.llm.GeminiClient`, :class:`~pymoo_arnas.llm.ReplayClient`, ...).
    n_history : int
        Best cells shown in each prompt.
    n_init : int
        Random cells evaluated before the first call (the paper starts from one).
    template : str or PromptTemplate, optional
        The prompt (placeholders of :mod:`pymoo_arnas.llm.prompts`); default the CRISPE
        template of the LLM operators.

    Attributes
    ----------
    n_calls, n_fallbacks : int
        LLM calls made, and proposals replaced by a random unseen cell (invalid answer,
        repeated cell, or a failed call).
    """

    def __init__(self, llm=None, n_history: int = 10, n_init: int = 1, template=None, **kwargs):
        kwargs.setdefault("output", SingleObjectiveOutput())
        super().__init__(**kwargs)
        if not isinstance(llm, LLMClient):
            raise ValueError(
                "llmo needs an LLM client (an LLMClient such as "
                "pymoo_arnas.llm.GeminiClient(...), OpenAIClient(...) or ReplayClient(tape)); "
                f"got {type(llm).__name__}"
            )
        if template is None or isinstance(template, str):
            template = PromptTemplate(template)
        if not isinstance(template, PromptTemplate):
            raise ValueError(
                f"template must be a str or PromptTemplate; got {type(template).__name__}")
        self.llm = llm
        self.n_history = int(n_history)
        self.n_init = max(int(n_init), 1)
        self.template = template
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

    def _context(self) -> PromptContext:
        order = np.argsort(self._hist_f, kind="stable")[: self.n_history]
        X = np.array([self._hist_X[i] for i in order], dtype=np.int64).reshape(-1, N_EDGES)
        f = np.array([self._hist_f[i] for i in order], dtype=float)
        columns = list(getattr(self.problem, "columns", None) or [])
        is_acc = bool(len(f)) and bool(np.all((f >= 0) & (f <= 1)))
        return PromptContext(n=1, task=TASK_LLMO,
                             dataset=getattr(self.problem, "dataset", ""),
                             objectives=columns[:1] if is_acc else [], X=X,
                             values=(100 * (1 - f) if is_acc else f)[:, None], maximise=is_acc)

    def _ask(self):
        prompt, system = self.template.render(self._context())
        self.n_calls += 1
        try:
            resp = self.llm.complete(prompt, system=system, schema=answer_schema(1),
                                     tag=f"llmo/{self.n_calls}")
            g = parse_one_cell(resp.text)
        except LLMFatalError:  # unreachable model, replay off its tape: stop the run
            raise
        except LLMError as exc:
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
