"""Prompts for the LLM operators: the default CRISPE template and user templates.

The default follows the seed paper's CRISPE structure: **C**apacity and **R**ole (system
message), **I**nsight (the search space and the task), **S**tatement (what to propose),
**P**ersonality (how to answer), **E**xperiment (the exact answer shape).

A template is a :meth:`str.format` string over these placeholders:

========== =================================================================================
``{n}``          number of cells asked for (required)
``{task}``       what to do: sample a diverse first population, or improve the listed cells
``{dataset}``    e.g. ``CIFAR-10``
``{objectives}`` the objectives in words, e.g. ``clean accuracy and PGD (L-inf, epsilon 1/255)
                 robust accuracy, both maximised``
``{ops}``        ``0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3``
``{edges}``      the 6 edges in words, in genome order
``{examples}``   evaluated cells with their values, best first (or a line saying there are none)
``{avoid}``      evaluated cells one edge away from the examples, not to be proposed again
                 (empty, or a line that starts with a newline)
``{format}``     the exact JSON shape of the answer
========== =================================================================================

Examples
--------
>>> from pymoo_arnas.llm.prompts import PromptTemplate
>>> t = PromptTemplate("Give {n} cells for {dataset} as {format}")
>>> t.fields
('n', 'dataset', 'format')
>>> PromptTemplate("Give {k} cells")
Traceback (most recent call last):
...
ValueError: prompt template names the unknown placeholder(s) {k}; expected some of {n}, {task}, {dataset}, {objectives}, {ops}, {edges}, {examples}, {avoid}, {format} (and {n} is required)
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np

from pymoo_arnas.space import EDGES, N_EDGES, N_OPS, OPS

PLACEHOLDERS = ("n", "task", "dataset", "objectives", "ops", "edges", "examples", "avoid",
                "format")

DEFAULT_SYSTEM = (
    "You are an expert in neural architecture search and in the adversarial robustness of "
    "image classifiers. You design NAS-Bench-201 cells and answer with JSON only."
)

DEFAULT_TEMPLATE = """\
Insight: we search NAS-Bench-201 cells on {dataset} for {objectives}. A cell is a small graph \
with nodes 0 (input) to 3 (output); each of its 6 edges carries one operation: {ops}. A cell \
is written as a list of 6 operation numbers, one per edge, in this order: {edges}.
{examples}{avoid}
Statement: {task} Propose exactly {n} new cells, all different from each other and from the \
cells listed above.
Personality: be concise and precise; no explanations.
Experiment: answer with JSON only, in exactly this shape: {format}
"""

DATASET_NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "imagenet16-120": "ImageNet16-120"}
ATTACK_NAMES = {"fgsm@Linf": "FGSM", "pgd@Linf": "PGD", "aa_apgd-ce@Linf": "APGD-CE",
                "aa_square@Linf": "Square"}
TASK_SAMPLE = ("Choose a diverse first population: cells likely to be both accurate and robust, "
               "spread over different designs.")
TASK_MUTATE = ("Improve on the best cells listed: each new cell should change one or two edges "
               "of one of them, towards cells that are better on all objectives.")


def describe_objective(column: str) -> str:
    """A table column in words: ``"pgd@Linf:1.0"`` -> ``"PGD (L-inf, epsilon 1.0/255) robust accuracy"``."""
    name, _, arg = str(column).partition(":")
    if name == "clean":
        return "clean accuracy"
    if name in ATTACK_NAMES:
        eps = f", epsilon {arg}/255" if arg else ""
        return f"{ATTACK_NAMES[name]} (L-inf{eps}) robust accuracy"
    sev = f" at severity {arg}" if arg else ""
    return f"accuracy under {name.replace('_', ' ')} corruption{sev}"


def describe_edges() -> str:
    return ", ".join(f"{s}->{t}" for s, t in EDGES)


def answer_format(n: int) -> str:
    """The answer shape in words: a JSON list of ``n`` lists of 6 op numbers."""
    ex = ", ".join(["[a, b, c, d, e, f]"] * min(n, 2)) + (", ..." if n > 2 else "")
    return f"[{ex}], a JSON list of exactly {n} lists of 6 integers in 0..{N_OPS - 1}"


def answer_schema(n: int) -> dict:
    """JSON schema of the answer: a list of ``n`` lists of 6 ops, ops as an ``enum``.

    A top-level array (not an object): llama.cpp's grammar for it decodes many times faster.
    Backends that need an object at the top (OpenAI ``json_schema``) wrap it as ``{"cells": ...}``;
    the parser reads both.
    """
    cell = {"type": "array", "items": {"enum": list(range(N_OPS))},
            "minItems": N_EDGES, "maxItems": N_EDGES}
    return {"type": "array", "items": cell, "minItems": int(n), "maxItems": int(n)}


@dataclass
class PromptContext:
    """What a prompt is built from.

    Attributes
    ----------
    n : int
        Cells to ask for.
    task : str
        ``"sample"`` or ``"mutate"`` (or any sentence, used as is).
    dataset : str
    objectives : list of str
        Column names (``"clean"``, ``"pgd@Linf:1.0"``) or free words.
    X : ndarray, shape (k, 6)
        Example cells, best first.
    values : ndarray, shape (k, len(objectives))
        Their objective values as shown (accuracy in %, or raw F).
    maximise : bool
        Whether ``values`` are maximised (accuracies) or minimised (raw F).
    avoid : ndarray, shape (m, 6)
        Cells already evaluated near the examples: the model is told not to propose them.
    """

    n: int
    task: str = "sample"
    dataset: str = ""
    objectives: list = field(default_factory=list)
    X: np.ndarray = field(default_factory=lambda: np.empty((0, N_EDGES), dtype=np.int64))
    values: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    maximise: bool = True
    avoid: np.ndarray = field(default_factory=lambda: np.empty((0, N_EDGES), dtype=np.int64))


class PromptTemplate:
    """A user (or the default) prompt template; see the module docstring for placeholders.

    Parameters
    ----------
    template : str, optional
        The user message; default :data:`DEFAULT_TEMPLATE` (CRISPE).
    system : str or None, optional
        The system message; default :data:`DEFAULT_SYSTEM`; ``""`` for none.

    Raises
    ------
    ValueError
        If the template names an unknown placeholder, lacks ``{n}``, or is malformed.
    """

    def __init__(self, template: str | None = None, system: str | None = None) -> None:
        self.template = DEFAULT_TEMPLATE if template is None else template
        self.system = DEFAULT_SYSTEM if system is None else system
        if not isinstance(self.template, str):
            raise ValueError(f"prompt template must be a str; got {type(self.template).__name__}")
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(self.template) if f is not None]
        except ValueError as exc:
            raise ValueError(
                f"prompt template {self.template[:60]!r} is malformed: {exc}") from None
        allowed = "{" + "}, {".join(PLACEHOLDERS) + "}"
        unknown = [f for f in names if f not in PLACEHOLDERS]
        if unknown:
            raise ValueError(
                f"prompt template names the unknown placeholder(s) {{{'}, {'.join(unknown)}}}; "
                f"expected some of {allowed} (and {{n}} is required)")
        if "n" not in names:
            raise ValueError(f"prompt template must contain {{n}} (the number of cells asked for); "
                             f"placeholders: {allowed}")
        self.fields = tuple(dict.fromkeys(names))

    def examples_block(self, ctx: PromptContext) -> str:
        if len(ctx.X) == 0:
            return "No cells have been evaluated yet."
        objs = [describe_objective(o) for o in ctx.objectives] or [
            f"f{j + 1}" for j in range(ctx.values.shape[1])]
        unit = " (%)" if ctx.maximise else ""
        word = "higher" if ctx.maximise else "lower"
        lines = [f"Evaluated cells, best first, with {'; '.join(objs)}{unit} ({word} is better):"]
        for x, v in zip(np.asarray(ctx.X), np.asarray(ctx.values)):
            vals = ", ".join(f"{a:.1f}" if ctx.maximise else f"{a:.4g}" for a in v)
            lines.append(f"[{', '.join(str(int(g)) for g in x)}] -> {vals}")
        return "\n".join(lines)

    @staticmethod
    def avoid_block(ctx: PromptContext) -> str:
        """The cells not to propose again, as one line after a newline ("" if none)."""
        avoid = np.asarray(ctx.avoid).reshape(-1, N_EDGES)
        if len(avoid) == 0:
            return ""
        cells = ", ".join(f"[{', '.join(str(int(g)) for g in x)}]" for x in avoid)
        return (f"\nAlready evaluated, one edge away from the cells above (do not propose "
                f"these again): {cells}")

    def render(self, ctx: PromptContext) -> tuple[str, str | None]:
        """Return ``(user_message, system_message)`` for a context."""
        if int(ctx.n) < 1:
            raise ValueError(f"a prompt must ask for n >= 1 cells; got n={ctx.n!r}")
        task = {"sample": TASK_SAMPLE, "mutate": TASK_MUTATE}.get(ctx.task, ctx.task)
        objs = [describe_objective(o) for o in ctx.objectives]
        if objs:
            objectives = " and ".join(objs) + (
                ", all maximised" if len(objs) > 1 else ", maximised")
        else:
            objectives = "the objectives"
        values = {
            "n": int(ctx.n),
            "task": task,
            "dataset": DATASET_NAMES.get(str(ctx.dataset).lower(),
                                         str(ctx.dataset) or "the dataset"),
            "objectives": objectives,
            "ops": ", ".join(f"{i} {op}" for i, op in enumerate(OPS)),
            "edges": describe_edges(),
            "examples": self.examples_block(ctx),
            "avoid": self.avoid_block(ctx),
            "format": answer_format(int(ctx.n)),
        }
        return self.template.format(**values), (self.system or None)

    def __repr__(self) -> str:
        kind = "default CRISPE" if self.template == DEFAULT_TEMPLATE else "user"
        return f"PromptTemplate({kind}, fields={self.fields})"
