"""LLM-driven pymoo operators: an LLM proposes NAS-Bench-201 cells inside NSGA-II (or any
pymoo GA-family algorithm), beside a classic fallback operator.

One LLM request per generation for the whole batch (optionally split into concurrent
requests of ``batch_size`` cells). Every proposal is parsed tolerantly, validated, repaired
or dropped, and deduplicated by isomorphism class against the population, the cells the
problem has already evaluated (:meth:`ARNAS.is_queried`) and the batch itself. Whatever is
missing is filled by the fallback operator. A failing, slow or nonsensical LLM never crashes
or stalls the run: the whole batch then comes from the fallback (counted in ``stats``).

pymoo's infill loop re-runs mating up to 100 times when offspring are duplicates; within a
generation the operator asks the LLM only once and serves re-runs from the proposals it
has not yet handed out, then from the fallback.

Examples
--------
>>> import numpy as np
>>> from pymoo.algorithms.moo.nsga2 import NSGA2
>>> from pymoo.operators.crossover.ux import UX
>>> from pymoo.optimize import minimize
>>> from pymoo_arnas.llm.base import LLMClient
>>> from pymoo_arnas.operators import LLMMutation, LLMSampling, CellDuplicateElimination
>>> from pymoo_arnas.problems import ARNAS
>>> class AllConv(LLMClient):             # a stand-in model: always the same two cells
...     backend = "toy"
...     def _call(self, prompt, system, schema):
...         return "[[3, 3, 3, 3, 3, 3], [3, 3, 2, 3, 3, 3]]", 100, 20
>>> llm = AllConv(model="toy")
>>> mutation = LLMMutation(llm)
>>> algorithm = NSGA2(pop_size=10, sampling=LLMSampling(llm), crossover=UX(),
...                   mutation=mutation, eliminate_duplicates=CellDuplicateElimination())
>>> res = minimize(ARNAS("cifar10"), algorithm, ("n_gen", 3), seed=1)
>>> llm.usage.calls                      # one call for sampling, one per generation after
3
>>> mutation.stats.llm_calls, mutation.stats.valid, mutation.stats.duplicates
(2, 4, 4)
>>> from pymoo_arnas.operators import llm_summary
>>> print(llm_summary(res.algorithm))      # doctest: +ELLIPSIS
LLM: 2 of 34 wanted cells from the LLM, 32 (94%) from the FALLBACK; 3 LLM calls (0 failed)
LLMSampling: 2 of 10 wanted cells from the LLM, 8 (80%) from the FALLBACK; 1 LLM calls ...
LLMMutation: 0 of 24 wanted cells from the LLM, 24 (100%) from the FALLBACK; 2 LLM calls ...
AllConv(model='toy'): 3 calls, 300 prompt + 60 completion tokens, 0 failures, ...
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields

import numpy as np
from pymoo.core.mutation import Mutation
from pymoo.core.sampling import Sampling
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from pymoo_arnas.llm.base import LLMClient, LLMError, LLMFatalError
from pymoo_arnas.llm.parsing import parse_cells
from pymoo_arnas.llm.prompts import PromptContext, PromptTemplate, answer_schema
from pymoo_arnas.operators.classic import CellSampling, RandomResetMutation, bind_eliminations
from pymoo_arnas.space import GENOME_COLUMNS, N_EDGES, isomorphism_class, validate

log = logging.getLogger(__name__)


@dataclass
class LLMOperatorStats:
    """What an LLM operator did; shared by every deep copy of the operator.

    Attributes
    ----------
    llm_calls : int
        Requests made (answered or failed).
    llm_failures : int
        Requests that raised (timeout, HTTP error, call cap) and so were filled by the fallback.
    wanted : int
        Cells the operator wanted from the LLM (``used + fallback``), mating re-runs included.
    asked : int
        Cells asked for in all requests.
    returned : int
        Candidate cells found in the answers.
    valid : int
        Returned cells that were (or could be repaired into) valid genomes.
    repaired : int
        Valid cells that needed clipping, rounding or truncation.
    invalid : int
        Returned cells that were dropped as not valid.
    duplicates : int
        Valid cells dropped as isomorphic to the population, to an evaluated cell, or to
        another proposal.
    used : int
        LLM proposals handed to the algorithm.
    reused : int
        Of ``used``: served from an earlier answer of the same generation (mating re-runs).
    fallback : int
        Cells made by the fallback operator where an LLM proposal was wanted.
    """

    llm_calls: int = 0
    llm_failures: int = 0
    wanted: int = 0
    asked: int = 0
    returned: int = 0
    valid: int = 0
    repaired: int = 0
    invalid: int = 0
    duplicates: int = 0
    used: int = 0
    reused: int = 0
    fallback: int = 0

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, 0)

    def as_dict(self) -> dict:
        return asdict(self)

    def __deepcopy__(self, memo):
        memo[id(self)] = self
        return self

    @property
    def llm_share(self) -> float:
        """Share of the wanted cells that came from the LLM (``used / wanted``; 0 if none)."""
        return self.used / self.wanted if self.wanted else 0.0

    def headline(self) -> str:
        """What matters first: cells from the LLM vs the fallback, and failed calls."""
        failed = (f"{self.llm_failures} of {self.llm_calls} LLM calls FAILED"
                  if self.llm_failures else f"{self.llm_calls} LLM calls (0 failed)")
        fb = (f"{self.fallback} ({self.fallback / self.wanted:.0%}) from the FALLBACK"
              if self.fallback else "0 from the fallback")
        return f"{self.used} of {self.wanted} wanted cells from the LLM, {fb}; {failed}"

    def __str__(self) -> str:
        return (f"{self.headline()}; {self.asked} asked, {self.returned} returned, "
                f"{self.valid} valid ({self.repaired} repaired, {self.invalid} invalid), "
                f"{self.duplicates} duplicates dropped, {self.reused} reused")


def _classes(X) -> np.ndarray:
    X = np.asarray(X)
    return isomorphism_class(X) if len(X) else np.empty(0, dtype=np.int64)


class _LLMProposer:
    """Shared machinery of the LLM operators (prompting, calling, parsing, dedupe, pooling)."""

    task = "sample"

    def _setup(self, llm, template, n_examples, batch_size, max_workers, n_avoid=0):
        if not isinstance(llm, LLMClient):
            raise ValueError(f"llm must be an LLMClient (OpenAIClient, GeminiClient, "
                             f"ReplayClient, ...); got {type(llm).__name__}")
        if template is None or isinstance(template, str):
            template = PromptTemplate(template)
        if not isinstance(template, PromptTemplate):
            raise ValueError(
                f"template must be a str or PromptTemplate; got {type(template).__name__}")
        if int(n_examples) < 0:
            raise ValueError(f"n_examples must be >= 0; got {n_examples!r}")
        if batch_size is not None and int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1 or None; got {batch_size!r}")
        if int(max_workers) < 1:
            raise ValueError(f"max_workers must be >= 1; got {max_workers!r}")
        if int(n_avoid) < 0:
            raise ValueError(f"n_avoid must be >= 0; got {n_avoid!r}")
        self.n_avoid = int(n_avoid)
        self.llm = llm
        self.template = template
        self.n_examples = int(n_examples)
        self.batch_size = None if batch_size is None else int(batch_size)
        self.max_workers = int(max_workers)
        self.stats = LLMOperatorStats()
        self._gen = object()  # the generation the pool belongs to
        self._pool = np.empty((0, N_EDGES), dtype=np.int64)
        self.handed_out = np.empty((0, N_EDGES), dtype=np.int64)  # this generation's proposals
        self._asked_this_gen = False
        self._n_do = 0

    # ------------------------------------------------------------------ context

    def _examples(self, problem, algorithm):
        """Best cells of the current population, best first: ``(X, values, maximise)``."""
        pop = getattr(algorithm, "pop", None) if algorithm is not None else None
        if pop is None or len(pop) == 0 or self.n_examples == 0:
            return np.empty((0, N_EDGES), np.int64), np.empty((0, 0)), True
        X, F = pop.get("X"), pop.get("F")
        if F is None or F.dtype == object or F.ndim != 2 or len(F) != len(X):
            return np.empty((0, N_EDGES), np.int64), np.empty((0, 0)), True
        X = validate(X)
        rank = pop.get("rank")
        if rank is None or rank.dtype == object or np.any(rank == None):  # noqa: E711
            rank = np.empty(len(F), dtype=int)
            for r, front in enumerate(NonDominatedSorting().do(F)):
                rank[front] = r
        order = np.lexsort((F[:, 0], np.asarray(rank, dtype=float)))
        _, first = np.unique(_classes(X[order]), return_index=True)
        order = order[np.sort(first)][: self.n_examples]
        is_acc = hasattr(problem, "columns") and np.all((F >= 0) & (F <= 1))
        values = 100.0 * (1.0 - F[order]) if is_acc else F[order]
        return X[order], values, bool(is_acc)

    def _context(self, problem, algorithm, n) -> PromptContext:
        X, values, maximise = self._examples(problem, algorithm)
        objectives = list(getattr(problem, "columns", None) or [])
        if not maximise:
            objectives = []
        return PromptContext(n=n, task=self.task, dataset=getattr(problem, "dataset", ""),
                             objectives=objectives, X=X, values=values, maximise=maximise,
                             avoid=self._near(problem, algorithm, X))

    def _near(self, problem, algorithm, X) -> np.ndarray:
        """Up to ``n_avoid`` evaluated cells one edge away from the examples ``X``, the most
        recently evaluated first: ``(m, 6)``."""
        if self.n_avoid == 0 or len(X) == 0:
            return np.empty((0, N_EDGES), np.int64)
        log = getattr(problem, "query_log", None)
        cols = list(GENOME_COLUMNS)
        if log is not None and len(log) and all(c in log for c in cols):
            E = log[cols].to_numpy(dtype=np.int64)[::-1]
        else:
            pop = getattr(algorithm, "pop", None) if algorithm is not None else None
            if pop is None or len(pop) == 0:
                return np.empty((0, N_EDGES), np.int64)
            E = validate(pop.get("X"))
        dist = (E[:, None, :] != np.asarray(X)[None, :, :]).sum(axis=2).min(axis=1)
        near = E[dist == 1]
        _, first = np.unique(near, axis=0, return_index=True)
        return near[np.sort(first)][: self.n_avoid]

    # ------------------------------------------------------------------ exclusion

    def _excluded(self, problem, algorithm, X) -> np.ndarray:
        """``(n,)`` bool: proposals that duplicate the population or an evaluated cell."""
        if len(X) == 0:
            return np.zeros(0, dtype=bool)
        out = np.zeros(len(X), dtype=bool)
        pop = getattr(algorithm, "pop", None) if algorithm is not None else None
        if pop is not None and len(pop):
            out |= np.isin(_classes(X), _classes(validate(pop.get("X"))))
        is_queried = getattr(problem, "is_queried", None)
        if callable(is_queried):
            out |= np.asarray(is_queried(X), dtype=bool)
        return out

    # ------------------------------------------------------------------ the request

    def _request(self, prompt, system, n, tag):
        try:
            resp = self.llm.complete(prompt, system=system, schema=answer_schema(n), tag=tag)
        except LLMFatalError:  # unreachable model, replay off its tape: stop the run
            raise
        except LLMError as exc:
            log.warning("%s: LLM request %s failed (%s); the fallback fills in",
                        self.name, tag, exc)
            return None
        except Exception as exc:  # noqa: BLE001 - a run must never crash on its LLM
            log.warning("%s: LLM request %s raised %s: %s; the fallback fills in", self.name, tag,
                        type(exc).__name__, exc)
            return None
        return resp.text

    def _ask_llm(self, problem, algorithm, n, gen_label):
        """One round of requests for ``n`` cells -> parsed valid genomes ``(k, 6)``."""
        sizes = [n] if self.batch_size is None else [
            min(self.batch_size, n - i) for i in range(0, n, self.batch_size)]
        ctxs = [self._context(problem, algorithm, m) for m in sizes]
        msgs = [self.template.render(c) for c in ctxs]
        tags = [f"{self.name}/{gen_label}/{i}" for i in range(len(sizes))]
        args = [(u, s, m, t) for (u, s), m, t in zip(msgs, sizes, tags)]
        if len(args) == 1 or self.max_workers == 1:
            texts = [self._request(*a) for a in args]
        else:
            with ThreadPoolExecutor(min(self.max_workers, len(args))) as ex:
                texts = list(ex.map(lambda a: self._request(*a), args))  # keeps the order
        self.stats.llm_calls += len(args)
        self.stats.asked += n
        found = []
        for text in texts:
            if text is None:
                self.stats.llm_failures += 1
                continue
            r = parse_cells(text)
            log.debug("%s: answer %r -> %d valid cells", self.name, text[:500], len(r.X))
            self.stats.returned += r.n_found
            self.stats.valid += len(r.X)
            self.stats.repaired += r.n_repaired
            self.stats.invalid += r.n_dropped
            found.append(r.X)
        return np.concatenate(found) if found else np.empty((0, N_EDGES), np.int64)

    def propose(self, problem, algorithm, n) -> np.ndarray:
        """Up to ``n`` new, distinct, not yet evaluated cells ``(k, 6)`` from the LLM, with no
        fallback: for an algorithm that puts them beside candidates of its own (one request
        per generation of ``algorithm``; counted in :attr:`stats` and :attr:`handed_out`).
        Uses no random numbers."""
        return self._propose(problem, algorithm, int(n))

    def _propose(self, problem, algorithm, n):
        """Up to ``n`` new, distinct, not yet evaluated cells ``(k, 6)`` from the LLM."""
        if algorithm is not None and getattr(algorithm, "n_gen", None) is not None:
            gen = ("gen", int(algorithm.n_gen))
        elif algorithm is not None:
            gen = ("gen", 0)
        else:
            self._n_do += 1
            gen = ("do", self._n_do)
        if gen != self._gen:
            self._gen, self._asked_this_gen = gen, False
            self._pool = np.empty((0, N_EDGES), np.int64)
            self.handed_out = np.empty((0, N_EDGES), np.int64)
        self.stats.wanted += n
        out = np.empty((0, N_EDGES), np.int64)
        if len(self._pool):  # a mating re-run: hand out what the LLM gave before
            keep = ~self._excluded(problem, algorithm, self._pool)
            out = self._pool[keep][:n]
            self.stats.reused += len(out)
            self._pool = self._pool[keep][n:]
        if len(out) < n and not self._asked_this_gen:
            self._asked_this_gen = True
            new = self._ask_llm(problem, algorithm, n - len(out), f"{gen[0]}{gen[1]}")
            bad = self._excluded(problem, algorithm, new)
            seen = set(_classes(out).tolist())
            keep = np.zeros(len(new), dtype=bool)
            for i, c in enumerate(_classes(new).tolist()):
                if not bad[i] and c not in seen:
                    keep[i] = True
                    seen.add(c)
            self.stats.duplicates += int((~keep).sum())
            new = new[keep]
            need = n - len(out)
            out = np.concatenate([out, new[:need]])
            self._pool = new[need:]
        self.stats.used += len(out)
        self.handed_out = np.concatenate([self.handed_out, out])
        return out


class LLMSampling(_LLMProposer, Sampling):
    """Initial population proposed by an LLM, topped up by a classic sampling.

    Parameters
    ----------
    llm : LLMClient
        The backend (:class:`~pymoo_arnas.llm.OpenAIClient`, :class:`~pymoo_arnas.llm.GeminiClient`,
        :class:`~pymoo_arnas.llm.ReplayClient`, ...). Shared, not copied, by ``deepcopy``.
    fallback : pymoo Sampling, optional
        Fills what the LLM does not give; default :class:`CellSampling` (uniform, distinct
        isomorphism classes).
    template : str or PromptTemplate, optional
        Prompt (see :mod:`pymoo_arnas.llm.prompts`); default the CRISPE template.
    share : float
        Fraction of the initial population asked of the LLM (default 1); the rest, and
        whatever the LLM does not give, comes from ``fallback``.
    batch_size : int, optional
        Split a request for more cells into concurrent requests of this many cells.
    max_workers : int
        Most concurrent requests.

    Attributes
    ----------
    stats : LLMOperatorStats

    Notes
    -----
    ``_do(problem, n_samples, random_state=..., algorithm=...)`` returns an int64 array of
    shape ``(n_samples, 6)``, all in distinct isomorphism classes when the fallback allows.
    """

    task = "sample"

    def __init__(self, llm, fallback=None, template=None, share=1.0, batch_size=None,
                 max_workers=4):
        Sampling.__init__(self)
        if not 0.0 <= float(share) <= 1.0:
            raise ValueError(f"share must be in [0, 1]; got {share!r}")
        self._setup(llm, template, 0, batch_size, max_workers)
        self.fallback = CellSampling() if fallback is None else fallback
        self.share = float(share)

    def _do(self, problem, n_samples, *args, random_state=None, algorithm=None, **kwargs):
        bind_eliminations(algorithm, problem)  # the run's duplicates: what the problem counts
        if (isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer))
                or n_samples < 1):
            raise ValueError(f"n_samples must be a positive integer; got {n_samples!r}")
        rng = random_state if random_state is not None else np.random.default_rng()
        k = int(round(self.share * n_samples))
        P = self._propose(problem, algorithm, k) if k else np.empty((0, N_EDGES), np.int64)
        n_llm = len(P)
        need = int(n_samples) - n_llm
        if need:
            self.stats.fallback += k - n_llm
            seen = set(_classes(P).tolist())
            extra = []
            for _ in range(100):
                F = validate(self.fallback._do(problem, max(2 * need, 8), random_state=rng))
                for x, c in zip(F, _classes(F).tolist()):
                    if c not in seen:
                        seen.add(c)
                        extra.append(x)
                if len(extra) >= need:
                    break
            extra = np.array(extra[:need], dtype=np.int64).reshape(-1, N_EDGES)
            if len(extra) < need:  # a fallback that cannot give distinct cells: take repeats
                more = validate(self.fallback._do(problem, need - len(extra), random_state=rng))
                extra = np.concatenate([extra, more])
            P = np.concatenate([P, extra])
        log.info("%s: %d of %d initial cells from the LLM", self.name, n_llm, n_samples)
        return P.astype(np.int64)


class LLMMutation(_LLMProposer, Mutation):
    """Offspring proposed by an LLM that sees the current elite; the rest from a classic mutation.

    Parameters
    ----------
    llm : LLMClient
        The backend; shared, not copied, by ``deepcopy``.
    fallback : pymoo Mutation, optional
        Mutates the rows the LLM does not fill; default :class:`RandomResetMutation`.
    share : float
        Fraction of each offspring batch the LLM is asked for (rows picked at random with
        the run's ``random_state``); the others are plain fallback mutations. Default 1.
    n_examples : int
        Elite cells shown in the prompt, best first (non-dominated rank, then the first
        objective). Default 10.
    n_avoid : int
        Cells already evaluated one edge away from the elite shown, listed in the prompt as
        not to be proposed again (the most recent first; default 20, 0 for none), so the
        model can avoid repeats that would be dropped.
    template : str or PromptTemplate, optional
        Prompt; default the CRISPE template.
    batch_size, max_workers : int, optional
        Split a request into concurrent requests of ``batch_size`` cells.
    prob : float
        pymoo's per-individual mutation probability (default 1: every offspring is replaced).
        With ``prob < 1`` pymoo keeps the crossover child in the rows it does not mutate, so
        some LLM proposals are discarded after the fact (still counted as ``used``); prefer
        ``share`` to mix LLM and classic offspring.

    Attributes
    ----------
    stats : LLMOperatorStats

    Notes
    -----
    ``_do(problem, X, random_state=..., algorithm=...)`` takes the crossover offspring
    ``X`` of shape ``(n, 6)`` and returns ``(n, 6)`` int64 genomes.
    """

    task = "mutate"

    def __init__(self, llm, fallback=None, share=1.0, n_examples=10, template=None,
                 batch_size=None, max_workers=4, prob=1.0, n_avoid=20):
        Mutation.__init__(self, prob=prob)
        if not 0.0 <= float(share) <= 1.0:
            raise ValueError(f"share must be in [0, 1]; got {share!r}")
        self._setup(llm, template, n_examples, batch_size, max_workers, n_avoid)
        self.fallback = RandomResetMutation() if fallback is None else fallback
        self.share = float(share)

    def _do(self, problem, X, *args, random_state=None, algorithm=None, **kwargs):
        bind_eliminations(algorithm, problem)
        rng = random_state if random_state is not None else np.random.default_rng()
        X = validate(X)
        n = len(X)
        Y = validate(self.fallback._do(problem, X.copy(), random_state=rng))
        k = int(round(self.share * n))
        if n == 0 or k == 0:
            return Y
        rows = np.sort(rng.permutation(n)[:k]) if k < n else np.arange(n)
        P = self._propose(problem, algorithm, k)
        Y[rows[: len(P)]] = P
        self.stats.fallback += k - len(P)
        log.info("%s: %d of %d offspring from the LLM", self.name, len(P), n)
        return Y


def llm_operators(algorithm) -> list:
    """The LLM operators of an algorithm (its sampling and mutation that are
    :class:`LLMSampling` / :class:`LLMMutation`), each once.

    Parameters
    ----------
    algorithm : pymoo Algorithm
        E.g. ``res.algorithm``, or the algorithm passed to ``minimize``.

    Returns
    -------
    list
        The operators, sampling first; empty when the algorithm has none.

    Examples
    --------
    >>> from pymoo.algorithms.moo.nsga2 import NSGA2
    >>> llm_operators(NSGA2(pop_size=10))
    []
    """
    ops = []
    for op in (getattr(getattr(algorithm, "initialization", None), "sampling", None),
               getattr(algorithm, "sampling", None),
               getattr(getattr(algorithm, "mating", None), "mutation", None),
               getattr(algorithm, "mutation", None)):
        if isinstance(op, _LLMProposer) and all(op.stats is not o.stats for o in ops):
            ops.append(op)
    return ops


def llm_summary(algorithm) -> str:
    """The LLM statistics of a run, one line per LLM operator and per backend.

    Parameters
    ----------
    algorithm : pymoo Algorithm
        E.g. ``res.algorithm`` after ``minimize`` (or the algorithm passed to it: the
        operators' ``stats`` and the clients are shared by the deep copy).

    Returns
    -------
    str
        A first line ``LLM: ...`` with the cells that came from the LLM and from the
        fallback and the failed calls, then one line per operator and per client; empty
        when the algorithm has no LLM operator.
    """
    ops = llm_operators(algorithm)
    if not ops:
        return ""
    total = LLMOperatorStats()
    for op in ops:
        for f in fields(total):
            setattr(total, f.name, getattr(total, f.name) + getattr(op.stats, f.name))
    lines = [f"LLM: {total.headline()}"]
    lines += [f"{op.name}: {op.stats}" for op in ops]
    clients = []
    for op in ops:
        if all(op.llm is not c for c in clients):
            clients.append(op.llm)
    lines += [f"{c!r}: {c.usage}" for c in clients]
    return "\n".join(lines)


__all__ = ["LLMMutation", "LLMOperatorStats", "LLMSampling", "llm_operators", "llm_summary"]
