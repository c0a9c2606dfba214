"""Participant page: join with a code and a display name, then follow the current agenda item.

The participant token lives in the URL (``?join=CODE&p=TOKEN``), so a reload
rejoins where the participant was. The page polls the workshop and re-renders
when the facilitator moves on or changes something.
"""

from __future__ import annotations

import streamlit as st

from assistant.app import workshop_view as view
from assistant.text import escape_markdown
from assistant.workshop.domain import (
    MAX_CONTRIBUTION_CHARS,
    MAX_NAME_CHARS,
    ROLES,
    AgendaItem,
    WorkshopError,
    WorkshopSnapshot,
    format_join_code,
)
from assistant.workshop.store import Participant


def _participant() -> Participant | None:
    """The participant the link names; a refused link is dropped, so the join form shows."""

    def forget() -> None:
        del st.query_params[view.PARTICIPANT_PARAM]

    return view.opened_by_link(view.PARTICIPANT_PARAM, lambda token: view.store().participant(token), forget)


def _join_form() -> None:
    st.write("Enter the code the facilitator gave you and a name to show to the facilitator. No account needed.")
    with st.form("join-form"):
        code = st.text_input("Join code", value=st.query_params.get(view.JOIN_PARAM, ""), max_chars=20)
        name = st.text_input("Display name", max_chars=MAX_NAME_CHARS, placeholder="e.g. Sam, carer")
        role = st.selectbox("I am taking part as (optional)", ROLES, index=None, placeholder="Choose…")
        joined = st.form_submit_button("Join the workshop", type="primary")
    if joined:
        try:
            me, token = view.store().join(code, name, role)
        except WorkshopError as exc:
            st.error(str(exc))
            return
        st.query_params[view.JOIN_PARAM] = format_join_code(me.snapshot().join_code)
        st.query_params[view.PARTICIPANT_PARAM] = token
        st.rerun()


@st.fragment(run_every=view.TIMER_EVERY_S)
def _follow(me: Participant, seen: tuple[int, int], item: AgendaItem | None) -> None:
    """Re-render the page when the facilitator moves on or changes anything; tick the countdown meanwhile.

    Each tick reads only (position, version): the facilitator's timer controls bump the version, so the
    countdown can be computed from the item as the last full run read it. A tick that read the whole
    workshop took over a second on a loaded server and the participant's page stopped following.
    """
    try:
        if me.position() != seen:
            st.rerun()
    except WorkshopError:
        st.rerun()
    if item is not None and (item.timer_running or item.timer_elapsed_s):
        clock, status = view.countdown(item)
        st.metric(f"Time box ({status})", clock)


def _vote_row(me: Participant, snap: WorkshopSnapshot, mine: dict[int, int], dots_left: int) -> None:
    item = snap.current_item()
    if item is None:
        return
    st.subheader("Vote for the actions that matter most")
    st.caption(
        f"You have **{dots_left}** of {snap.dots_per_participant} dots left for the whole workshop. "
        "You can put more than one dot on an action."
    )
    for cand in item.candidates:
        if cand.id is None:  # a stored candidate always has an id
            continue
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(cand.action.title)}**  \n{escape_markdown(cand.action.action)}")
            cols = st.columns([1, 1, 3])
            placed = mine.get(cand.stored_id, 0)
            if cols[0].button(
                "Add a dot", key=f"vote-{cand.id}", icon=":material/add_circle:", disabled=dots_left <= 0 or snap.ended
            ):
                _act(lambda c=cand.id: me.vote(c), "Dot placed.")
            if cols[1].button(
                "Take back",
                key=f"unvote-{cand.id}",
                icon=":material/remove_circle:",
                disabled=placed == 0 or snap.ended,
            ):
                _act(lambda c=cand.id: me.unvote(c), "Dot taken back.")
            cols[2].markdown(f"Your dots here: **{placed}**")


def _act(call, done: str) -> None:
    try:
        call()
    except WorkshopError as exc:
        st.session_state["ws_flash"] = ("error", str(exc))
    else:
        st.session_state["ws_flash"] = ("success", done)
    st.rerun()


def _flash() -> None:
    kind, text = st.session_state.pop("ws_flash", (None, None))
    if kind == "error":
        st.error(text)
    elif kind == "success":
        st.toast(text)


def _send_idea(me: Participant, item_id: int, key: str) -> None:
    """Form callback: keeps the text when it is refused, clears it once sent."""
    try:
        me.add_idea(item_id, st.session_state.get(key, ""))
    except WorkshopError as exc:
        st.session_state["ws_flash"] = ("error", str(exc))
    else:
        st.session_state[key] = ""
        st.session_state["ws_flash"] = ("success", "Thank you: your idea was sent.")


def _idea_form(me: Participant, item_id: int) -> None:
    key = f"idea-text-{item_id}"
    with st.form(f"idea-{item_id}"):
        st.text_area(
            "Add an idea or comment",
            key=key,
            help=f"Up to {MAX_CONTRIBUTION_CHARS} characters. The facilitator sees it with your name.",
        )
        st.form_submit_button("Send", type="primary", on_click=_send_idea, args=(me, item_id, key))


def _page(me: Participant) -> None:
    """The page, then the follower last: an element drawn after a polling fragment could be cleared
    as stale when the fragment's tick turns into a full rerun (seen as a missing item heading)."""
    snap = me.snapshot()
    _body(me, snap)
    _follow(me, (snap.current_position, snap.version), snap.current_item())


def _body(me: Participant, snap: WorkshopSnapshot) -> None:
    info = next(p for p in snap.participants if p.id == me.id)
    st.title(escape_markdown(snap.title))
    st.caption(
        f"You are **{escape_markdown(info.display_name)}** · {escape_markdown(snap.authority)} · "
        f"{escape_markdown(snap.quality_statement)}"
    )
    _flash()
    if snap.ended:
        st.success("The workshop has ended. Thank you for taking part.")
    item = snap.current_item()
    if item is None or item.id is None:  # a stored item always has an id
        st.info("The agenda is empty for now: wait for the facilitator.")
        return
    st.header(f"Item {item.position + 1} of {len(snap.items)}: {escape_markdown(item.title)}")
    view.item_body(item)
    mine = me.my_votes()
    dots_left = snap.dots_per_participant - sum(mine.values())
    if not snap.ended:
        _idea_form(me, item.stored_id)
    own = [i for i in item.ideas if i.participant_id == me.id]
    if own:
        st.markdown("**Your ideas on this item**")
        st.markdown("\n".join(f"- {escape_markdown(i.text)}" for i in own))
    if item.candidates:
        _vote_row(me, snap, mine, dots_left)


participant = _participant()
if participant is None:
    st.title("Join a workshop")
    _join_form()
else:
    _page(participant)
