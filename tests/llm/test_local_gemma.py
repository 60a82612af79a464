"""End to end with the real local model: Gemma 3 270M under llama.cpp, started by the test.

Needs the ``local`` extra; skipped cleanly without it. About 1 minute on 2 busy cores
(constrained decoding with Gemma's 262k-token vocabulary runs at a few tokens per second).
"""

import json

import numpy as np
import pytest
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.operators.crossover.ux import UX
from pymoo.optimize import minimize

from pymoo_arnas.llm import OpenAIClient
from pymoo_arnas.llm.local import local_available, start_local_server
from pymoo_arnas.llm.parsing import parse_cells
from pymoo_arnas.operators import CellDuplicateElimination, LLMMutation, LLMSampling
from pymoo_arnas.problems import ARNAS

pytestmark = [pytest.mark.local_llm, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="session")
def local_server():
    ok, why = local_available()
    if not ok:
        pytest.skip(f"local model not available: {why}")
    server = start_local_server()
    yield server
    server.stop()


def test_nsga2_with_gemma_evaluates_its_valid_proposals(local_server, tmp_path):
    tape = tmp_path / "gemma.jsonl"
    llm = OpenAIClient(model=local_server.model, base_url=local_server.base_url, timeout=150,
                       max_retries=0, max_tokens=300, temperature=0.8, record=tape)
    assert llm.structured == "json_object_schema"
    problem = ARNAS("cifar10", objectives=("clean", "pgd@Linf"), epsilon=1.0)
    sampling, mutation = LLMSampling(llm, share=0.5), LLMMutation(llm, share=0.5)  # 4 cells a call
    algorithm = NSGA2(pop_size=8, sampling=sampling, crossover=UX(), mutation=mutation,
                      eliminate_duplicates=CellDuplicateElimination())
    res = minimize(problem, algorithm, ("n_gen", 3), seed=1)
    print("sampling:", sampling.stats, "\nmutation:", mutation.stats, "\nusage:", llm.usage)

    assert res.F.shape[1] == 2 and problem.n_evals >= 24
    assert llm.usage.calls == 3 and llm.usage.failures == 0  # one call per generation
    assert llm.usage.completion_tokens > 0
    entries = [json.loads(line) for line in tape.read_text().splitlines()]
    assert len(entries) == 3
    proposed = np.concatenate([parse_cells(e["response"]).X for e in entries])
    # constrained decoding: the base model's answers parse into valid cells
    assert len(proposed) >= 4 and sampling.stats.asked == mutation.stats.asked / 2 == 4
    assert sampling.stats.used + mutation.stats.used >= 1
    # every valid proposal was evaluated (used ones now, duplicates earlier)
    assert problem.is_queried(proposed).all()
    assert sampling.stats.used + mutation.stats.used + sampling.stats.duplicates + \
        mutation.stats.duplicates == sampling.stats.valid + mutation.stats.valid
