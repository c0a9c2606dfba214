"""One message being answered: what it names, the conversation it continues, and the turn it builds.

Every handler takes a ``Request``: the message (raw and folded), the current plan, a copy of the
conversation's context (which report it is about, a pending clarification), the authorities and
peers the message names, and the turn's numbered citations with the Markdown rendering that uses
them. ``one_report`` works out which report is meant, or raises ``Clarify`` with the turn asking.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..entities import Entities
from ..models import ActionPlan, ChatContext, ChatTurn, Finding, Intent, Report
from ..peers import load_councils, load_peer_phrases, names_own_peers, peer_selection_from_text
from ..text import escape_markdown, fold
from .rendering import Citations, Renderer

if TYPE_CHECKING:  # pragma: no cover
    from .handlers import Chat


class Clarify(Exception):
    """Raised by a handler that must ask which report is meant; carries the asking turn."""

    def __init__(self, turn: ChatTurn):
        super().__init__(turn.reply)
        self.turn = turn


class Request:
    """The message and what it refers to. Short-lived: one per message (and one per part of a multi-part one).

    ``cites`` is shared with the request a part belongs to, so the parts' citations are numbered as one turn.
    """

    def __init__(
        self,
        chat: Chat,
        message: str,
        plan: ActionPlan | None,
        context: ChatContext,
        cites: Citations | None = None,
    ):
        self.chat = chat
        self.a = chat.assistant
        self.message = message
        self.text = fold(message).lower()
        self.plan = plan
        self.context = context.model_copy()
        self.entities = Entities(self.a.reports(), self.a.taxonomy)
        self.named = self.entities.authorities_in(message)
        self.cites = cites if cites is not None else Citations(self.a.passages)
        self.md = Renderer(self.cites, self.a.taxonomy)
        # Peers named in the message ("other London boroughs", "our region"), relative to the own council:
        # the one the message names, else the conversation's.
        here = self.context.authority if self.context.authority in self.entities.authorities else None
        self.own: str | None = self.named[0] if self.named else here
        phrases = load_peer_phrases(self.a.settings.prompts_dir)
        self.peers = peer_selection_from_text(message, load_councils(), own=self.own, phrases=phrases)
        self.needs_own = self.peers is None and self.own is None and names_own_peers(message, phrases)

    def reply(self, intent: Intent, reply: str, **kw) -> ChatTurn:
        """The turn answering this message, with the citations numbered so far."""
        notes = kw.pop("notes", [])
        return self.chat._turn(self.message, intent, reply, self.context, citations=self.cites.items, notes=notes, **kw)

    def findings(self, report: Report, kind: str, theme: str | None = None) -> list[Finding]:
        """The report's findings of ``kind`` ("shortfall", "strength"), on ``theme`` when one is given."""
        return [f for f in self.a.findings(report).findings if f.kind == kind and (theme is None or f.theme == theme)]

    # ------------------------------------------------------------ which report is meant

    def one_report(self) -> Report:
        """The report the message is about; raises ``Clarify`` with a turn asking which one."""
        if self.named:
            authority = self.named[0]
        elif self.context.authority in self.entities.authorities:
            authority = self.context.authority
        elif len(self.entities.authorities) == 1:
            authority = self.entities.authorities[0]
        else:
            raise Clarify(self.ask_authority())
        reports = self.entities.reports_of(authority, self.message)
        if len(reports) > 1 and self.context.report_id in {r.id for r in reports}:
            reports = [r for r in reports if r.id == self.context.report_id]
        if len(reports) > 1:
            listed = "; ".join(escape_markdown(r.quality_statement) for r in reports)
            self.context.pending, self.context.authority = self.message, authority
            raise Clarify(
                self.reply(
                    "clarify",
                    f"{escape_markdown(authority)} has {len(reports)} reports: {listed}. Which quality statement?",
                )
            )
        report = reports[0]
        self.context.authority = report.authority
        self.context.report_id = report.id
        self.context.pending = None
        return report

    def ask_authority(self) -> ChatTurn:
        """ "Which authority do you mean?", remembering this message to answer once told."""
        self.context.pending = self.message
        names = ", ".join(escape_markdown(a) for a in self.entities.authorities)
        return self.reply("clarify", f"Which authority do you mean? The reports cover: {names}.")

    def clarified(self) -> bool:
        """A short answer to "which authority / which statement?": remember it in the context."""
        if self.named:
            self.context.authority, self.context.report_id = self.named[0], None
            return True
        if self.context.authority not in self.entities.authorities:
            return False
        mine = self.entities.reports_of(self.context.authority)
        named = self.entities.reports_of(self.context.authority, self.message)
        if len(mine) > 1 and len(named) == 1:
            self.context.report_id = named[0].id
            return True
        return False
