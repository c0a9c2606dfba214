"""Engines: the one contract every drafting engine meets, and the factory that picks one.

``BuiltinEngine`` (offline, deterministic) is always available; the
OpenAI-compatible engine is used only when settings ask for it and an endpoint
is configured, and it falls back to the built-in engine itself. Refining a plan
from an instruction in words is an optional capability (``Refiner``): check it
with ``isinstance(engine, Refiner)``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Protocol, runtime_checkable

from ..models import ActionPlan, Answer, Report, ReportFindings, SearchHit
from ..playbook import Playbook
from ..settings import Settings
from ..themes import Taxonomy
from .builtin import BuiltinEngine

__all__ = ["Engine", "Refiner", "BuiltinEngine", "get_engine", "NOT_CONFIGURED"]

NOT_CONFIGURED = (
    "The OpenAI-compatible engine was requested but no endpoint is configured "
    "(set OPENAI_API_KEY and/or OPENAI_BASE_URL); the built-in engine answered."
)


@runtime_checkable
class Engine(Protocol):
    """What the service, chat and app rely on, whichever engine drafts."""

    name: str

    def findings(self, report: Report) -> ReportFindings: ...

    def plan(
        self, report: Report, findings: ReportFindings, others: Sequence[tuple[Report, ReportFindings]] = ()
    ) -> ActionPlan: ...

    def answer(self, question: str, hits: list[SearchHit]) -> Answer: ...

    def stream_answer(self, question: str, hits: list[SearchHit]) -> Generator[str, None, Answer]:
        """Text chunks as they come (for ``st.write_stream``); the ``Answer`` is the generator's return value.

        ``answer = yield from engine.stream_answer(...)`` passes the chunks on and keeps the answer.
        """
        ...

    def answer_stream(self, question: str, hits: list[SearchHit]) -> Iterator[str | Answer]:
        """The older form of ``stream_answer``: the chunks, then the ``Answer`` as the last item."""
        ...


@runtime_checkable
class Refiner(Protocol):
    """An engine that can apply a change to a plan asked for in words the plan editor does not parse."""

    def refine(self, plan: ActionPlan, instruction: str) -> ActionPlan | None:
        """The revised plan; ``None`` when the instruction does not apply to it."""
        ...


def get_engine(settings: Settings, taxonomy: Taxonomy, playbook: Playbook, evidence=None) -> Engine:
    """The built-in engine, or the OpenAI-compatible one (falling back to built-in) when configured.

    ``evidence`` (an ``evidence.EvidenceBase``) gives both engines good practice by meaning.
    """
    if settings.engine != "openai":
        return BuiltinEngine(taxonomy, playbook, evidence=evidence)
    if not settings.openai_configured:
        return BuiltinEngine(taxonomy, playbook, notice=NOT_CONFIGURED, evidence=evidence)
    from .openai import OpenAIEngine  # imported only when used: it pulls in LangChain

    return OpenAIEngine(settings, taxonomy, playbook, fallback=BuiltinEngine(taxonomy, playbook, evidence=evidence))
