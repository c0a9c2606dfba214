"""Facilitator page: create a workshop from a report, run it live, accept the prioritised actions.

Opened with the facilitator's secret link (``?facilitator=TOKEN``); without it
the page offers to create a workshop. Contributions, votes and the timer
update live (``st.fragment(run_every=...)``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial

import streamlit as st

from assistant.app import components, state
from assistant.app import workshop_view as view
from assistant.app.downloads import download
from assistant.app.flash import show as show_flash
from assistant.app.peer_picker import peer_picker, peers_for
from assistant.charts import vote_rows, votes_chart
from assistant.models import ActionPlan
from assistant.peers import PeerError
from assistant.text import escape_markdown, slugify
from assistant.workshop.agenda import build_agenda, load_workshop_prompts
from assistant.workshop.domain import (
    MAX_DOTS,
    MAX_TITLE_CHARS,
    WorkshopDraft,
    WorkshopError,
    WorkshopSnapshot,
    accept_into_plan,
    format_join_code,
)
from assistant.workshop.export import facilitator_pack_markdown, record_docx, record_markdown, vote_bars
from assistant.workshop.store import Facilitator

_PRINT = ":material/print:"
_FLASH = "ws_fac_flash"


# ------------------------------------------------------------------ helpers


def _do(call: Callable[[], object], done: str | None = None) -> None:
    """Run a facilitator action; show its error or a confirmation after the rerun."""
    try:
        call()
    except WorkshopError as exc:
        st.session_state[_FLASH] = ("error", str(exc))
    else:
        st.session_state[_FLASH] = ("success", done) if done else None
    st.rerun()


def _facilitator() -> Facilitator | None:
    """The facilitator the secret link names; a refused link offers a new workshop and stops there."""

    def offer_new() -> None:
        if st.button("Create a new workshop instead"):
            del st.query_params[view.FACILITATOR_PARAM]
            st.rerun()
        st.stop()

    return view.opened_by_link(view.FACILITATOR_PARAM, lambda token: view.store().facilitate(token), offer_new)


# ------------------------------------------------------------------ create


def _create_form() -> None:
    st.title("Workshop")
    st.write(
        "Turn a report's shortfalls into a workshop agenda: evidence, good practice, discussion prompts "
        "and the draft actions as candidates for dot voting."
    )
    reports = components.loaded_reports()
    if not reports:
        return
    assistant = state.assistant()
    current = state.plan()
    with st.form("create-workshop"):
        report = st.selectbox(
            "Report",
            reports,
            format_func=lambda r: f"{r.authority} · {r.quality_statement}" + (f" · score {r.score}" if r.score else ""),
        )
        use_current = st.checkbox(
            "Use the current conversation's plan for this report (if it has one)", value=current is not None
        )
        choice = peer_picker("workshop-peers")
        title = st.text_input("Title", max_chars=MAX_TITLE_CHARS, placeholder="e.g. Partnerships improvement workshop")
        cols = st.columns(3)
        date = cols[0].date_input("Date", value=dt.date.today())
        expected = cols[1].number_input("Participants expected", min_value=1, max_value=1000, value=20)
        dots = cols[2].number_input("Dots per participant", min_value=1, max_value=MAX_DOTS, value=3)
        create = st.form_submit_button("Create the workshop", type="primary")
    if not create:
        return
    from_chat = use_current and current is not None and current.report_id == report.id
    try:
        peers = peers_for(choice, report.authority)
    except PeerError as exc:
        st.error(str(exc))
        return
    with st.spinner("Finding shortfalls and drafting the agenda…"):
        findings = assistant.findings(report, engine=state.engine_name())
        plan = current if from_chat else assistant.plan(report, engine=state.engine_name(), peers=peers)
        labels = {t.id: t.label for t in [*assistant.taxonomy.themes, assistant.taxonomy.fallback]}
        items = build_agenda(
            findings, plan, assistant.passages, load_workshop_prompts(assistant.settings.prompts_dir), labels
        )
    _create(
        WorkshopDraft(
            title=title.strip() or f"{report.authority}: {report.quality_statement} workshop",
            date=date,
            expected_participants=int(expected),
            dots_per_participant=int(dots),
            **report.ref(),
            items=items,
            base_plan=plan,
            conversation_id=state.conversation_id() if from_chat else None,
        )
    )


def _create(draft: WorkshopDraft) -> None:
    """Store the new workshop and open its facilitator view (or say why it cannot be stored)."""
    try:
        created = view.store().create(draft)
    except WorkshopError as exc:
        st.error(str(exc))
        return
    st.query_params[view.FACILITATOR_PARAM] = created.facilitator_token
    st.session_state[_FLASH] = ("success", "Workshop created. Keep the facilitator link secret.")
    st.rerun()


# ------------------------------------------------------------------ header


def _header(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    st.title(escape_markdown(snap.title))
    score = f" · score {snap.score}" if snap.score else ""
    st.caption(
        f"{snap.date.isoformat()} · {escape_markdown(snap.authority)} · "
        f"{escape_markdown(snap.quality_statement)}{score}"
    )
    show_flash(_FLASH)
    code = format_join_code(snap.join_code)
    cols = st.columns([3, 4, 2])
    cols[0].metric("Join code", code if snap.joining_open else f"{code} (closed)")
    cols[1].markdown(f"**Participants join at**  \n`{view.join_link(snap)}`")
    cols[1].link_button(
        "Open the presenter view (for the projector)",
        view.link("present", **{view.PRESENT_PARAM: code}),
        icon=":material/present_to_all:",
        help="Opens in a new tab: the join code in large type, a QR code, the current item, timer and live votes.",
    )
    with cols[2]:
        _joined(fac)
    with st.expander("Your secret facilitator link (do not share)"):
        st.code(
            view.link("workshop", **{view.FACILITATOR_PARAM: st.query_params[view.FACILITATOR_PARAM]}), language=None
        )
        st.caption("Anyone with this link can run the workshop. Participants only need the join code.")


@st.fragment(run_every=view.LIVE_EVERY_S)
def _joined(fac: Facilitator) -> None:
    snap = fac.snapshot()
    st.metric("Joined", f"{len(snap.participants)} of {snap.expected_participants}")


# ------------------------------------------------------------------ run


@st.fragment(run_every=view.LIVE_EVERY_S)
def _live_tally(fac: Facilitator) -> None:
    snap = fac.snapshot()
    item = snap.current_item()
    if item is None:
        st.info("The agenda is empty: add an item on the Agenda tab.")
        return
    authors = snap.author_labels()
    left = item.remaining_s()
    started = item.timer_running or item.timer_elapsed_s
    st.metric("Time box", view.clock(left) if started else f"{item.time_box_min} min")
    st.caption("Timer running" if item.timer_running else "Timer paused" if started else "Timer not started")
    cols = st.columns(2)
    with cols[0]:
        ideas = item.open_ideas()
        st.markdown(f"**Ideas and comments ({len(ideas)})**")
        for idea in ideas:
            merged = f" · +{len(idea.merged)} similar" if idea.merged else ""
            promoted = " · ✔ candidate" if idea.candidate_id else ""
            st.markdown(
                f"#{idea.id} {escape_markdown(idea.text)}  \n"
                f"— *{escape_markdown(authors.get(idea.participant_id, '?'))}*{merged}{promoted}"
            )
    with cols[1]:
        st.markdown(
            f"**Dot votes ({sum(c.votes for c in item.candidates)} on this item, {snap.total_votes()} in all)**"
        )
        ranked = sorted(item.candidates, key=lambda c: -c.votes)
        st.markdown(
            "\n".join(f"- **{c.votes}** · {escape_markdown(c.action.title)}" for c in ranked)
            or "No candidate actions on this item yet."
        )


def _run_tab(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    item = snap.current_item()
    if item is None or item.id is None:  # a stored item always has an id
        st.info("The agenda is empty: add an item on the Agenda tab.")
        return
    nav = st.columns([1, 4, 1])
    if nav[0].button("Previous", icon=":material/arrow_back:", disabled=snap.current_position == 0):
        _do(lambda: fac.step(-1))
    nav[1].subheader(f"Item {item.position + 1} of {len(snap.items)}: {escape_markdown(item.title)}")
    if nav[2].button("Next", icon=":material/arrow_forward:", disabled=snap.current_position >= len(snap.items) - 1):
        _do(lambda: fac.step(+1))
    timer = st.columns(4)
    if timer[0].button("Start timer", icon=":material/play_arrow:", disabled=item.timer_running):
        _do(partial(fac.start_timer, item.id))
    if timer[1].button("Pause timer", icon=":material/pause:", disabled=not item.timer_running):
        _do(partial(fac.pause_timer, item.id))
    if timer[2].button("Reset timer", icon=":material/restart_alt:"):
        _do(partial(fac.reset_timer, item.id))
    if timer[3].button("Refresh", icon=":material/refresh:", help="Reload ideas for merging and promoting"):
        st.rerun()
    with st.expander("Evidence and prompts for this item"):
        view.item_body(item)
    _live_tally(fac)
    _merge_promote(fac, snap)


def _merge_promote(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    item = snap.current_item()
    ideas = item.open_ideas() if item is not None else []
    if item is None or not ideas:
        return
    label: dict[int, str] = {i.id: f"#{i.id} {i.text[:80]}" for i in ideas}
    cols = st.columns(2)
    with cols[0].form(f"merge-{item.id}"):
        st.markdown("**Merge duplicate ideas**")
        keep = st.selectbox("Keep", list(label), format_func=label.__getitem__, key=f"merge-keep-{item.id}")
        dup = st.selectbox(
            "Merge into it",
            list(label),
            format_func=label.__getitem__,
            key=f"merge-dup-{item.id}",
            index=min(1, len(label) - 1),
        )
        if st.form_submit_button("Merge") and keep is not None and dup is not None:
            _do(lambda: fac.merge_ideas(keep, dup), "Ideas merged.")
    open_ideas = [i.id for i in ideas if i.candidate_id is None]
    with cols[1].form(f"promote-{item.id}"):
        st.markdown("**Promote an idea to a candidate action**")
        idea = st.selectbox("Idea", open_ideas, format_func=label.__getitem__, key=f"promote-idea-{item.id}")
        title = st.text_input("Action title (optional)", max_chars=MAX_TITLE_CHARS, key=f"promote-title-{item.id}")
        owner = st.text_input("Owner", value="To be agreed", key=f"promote-owner-{item.id}")
        timescale = st.text_input("Timescale", value="To be agreed", key=f"promote-when-{item.id}")
        if st.form_submit_button("Promote", disabled=not open_ideas) and idea is not None:
            _do(
                lambda: fac.promote_idea(idea, title=title or None, owner=owner, timescale=timescale),
                "Idea promoted: participants can now vote on it.",
            )


# ------------------------------------------------------------------ agenda


def _agenda_tab(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    total = sum(i.time_box_min for i in snap.items)
    st.caption(f"{len(snap.items)} items · {total} minutes in all")
    for item in snap.items:
        item_id = item.id
        if item_id is None:  # a stored item always has an id
            continue
        current = " · now" if item.position == snap.current_position else ""
        with st.expander(f"{item.position + 1}. {escape_markdown(item.title)} ({item.time_box_min} min){current}"):
            view.item_body(item, show_candidates=True)
            with st.form(f"edit-{item.id}"):
                title = st.text_input("Title", value=item.title, max_chars=MAX_TITLE_CHARS)
                minutes = st.number_input("Time box (minutes)", 1, 240, value=item.time_box_min)
                prompts = st.text_area("Discussion prompts (one per line)", value="\n".join(item.prompts))
                if st.form_submit_button("Save item"):
                    edit = partial(
                        fac.edit_item, item_id, title=title, time_box_min=int(minutes), prompts=prompts.splitlines()
                    )
                    _do(edit, "Item saved.")
            cols = st.columns(4)
            if cols[0].button("Move up", key=f"up-{item.id}", disabled=item.position == 0):
                _do(partial(fac.move, item_id, -1))
            if cols[1].button("Move down", key=f"down-{item.id}", disabled=item.position == len(snap.items) - 1):
                _do(partial(fac.move, item_id, +1))
            if cols[2].button("Go to this item", key=f"goto-{item.id}"):
                _do(partial(fac.go_to, item.position))
            if cols[3].button(
                "Drop item",
                key=f"drop-{item.id}",
                type="secondary",
                help="Removes its ideas and candidate actions; dots on them go back",
            ):
                _do(partial(fac.drop_item, item_id), "Item dropped.")
    with st.form("add-item", clear_on_submit=True):
        st.markdown("**Add an item**")
        title = st.text_input("Title", max_chars=MAX_TITLE_CHARS, key="add-title")
        summary = st.text_area("What it is about (optional)", key="add-summary")
        minutes = st.number_input("Time box (minutes)", 1, 240, value=15, key="add-minutes")
        prompts = st.text_area("Discussion prompts (one per line)", key="add-prompts")
        if st.form_submit_button("Add item"):
            _do(
                lambda: fac.add_item(title, summary=summary, time_box_min=int(minutes), prompts=prompts.splitlines()),
                "Item added.",
            )


# ------------------------------------------------------------------ results


def _base_plan(snap: WorkshopSnapshot) -> ActionPlan:
    plan = state.store().plan(snap.conversation_id) if snap.conversation_id else None
    return plan or snap.base_plan or ActionPlan(**snap.report_ref())


def _accept(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    new = accept_into_plan(snap, _base_plan(snap))
    chats = state.store()
    cid = snap.conversation_id
    if cid is None or chats.conversation(cid) is None:
        cid = chats.create_conversation(f"Workshop: {snap.title}").id
        fac.link_conversation(cid)
    chats.save_plan(cid, new, summary=f'Accepted from workshop "{snap.title}"')
    state.open_conversation(cid)


def _results_chart(snap: WorkshopSnapshot) -> None:
    bars = vote_bars(snap)
    st.markdown(f"**Dot votes per candidate action across the workshop** ({snap.total_votes()} placed)")
    st.altair_chart(votes_chart(bars), width="stretch")
    with st.expander("The results as a table"):
        st.dataframe(vote_rows(bars), hide_index=True, width="stretch")


def _results_tab(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    ranked = snap.ranked_candidates()
    if not ranked:
        st.info("No candidate actions yet.")
    else:
        _results_chart(snap)
        titles = {c.id: f"{c.votes} dots · {c.action.title}" for c in ranked if c.id is not None}
        with st.form("agree"):
            st.markdown("**Agree the prioritised actions** (ranked by dot votes)")
            chosen = st.multiselect(
                "Accepted actions",
                list(titles),
                format_func=titles.__getitem__,
                default=[c.id for c in ranked if c.accepted and c.id is not None],
            )
            owners = {
                c.stored_id: st.text_input(
                    f"Owner: {escape_markdown(c.action.title[:60])}", value=c.action.owner, key=f"owner-{c.id}"
                )
                for c in ranked
                if c.id is not None
            }
            if st.form_submit_button("Save agreed actions and owners", type="primary"):

                def save() -> None:
                    for cid, owner in owners.items():
                        if owner != next(c.action.owner for c in ranked if c.id == cid):
                            fac.edit_candidate(cid, owner=owner)
                    fac.set_accepted(chosen)

                _do(save, "Agreed actions saved.")
        accepted = sum(c.accepted for c in ranked)
        if st.button(f"Accept {accepted} action(s) into the plan", disabled=accepted == 0, icon=":material/done_all:"):
            _do(lambda: _accept(fac, snap), "The plan was updated: see the Plan page.")
    anonymise = st.toggle("Anonymise contributions in the record", value=snap.anonymise)
    name = slugify(snap.title)
    plan = accept_into_plan(snap, _base_plan(snap)) if any(c.accepted for c in ranked) else None
    cols = st.columns(3)
    record = record_markdown(snap, anonymise=anonymise, plan=plan)
    download(cols[0], "Download the workshop record (Markdown)", record, f"{name}-record.md")
    download(
        cols[1],
        "Download the workshop record (Word, with the results chart)",
        lambda: record_docx(snap, anonymise=anonymise),
        f"{name}-record.docx",
    )
    pack = facilitator_pack_markdown(snap)
    download(cols[2], "Download the facilitator pack (Markdown)", pack, f"{name}-facilitator-pack.md", icon=_PRINT)


# ------------------------------------------------------------------ settings


def _settings_tab(fac: Facilitator, snap: WorkshopSnapshot) -> None:
    with st.form("workshop-settings"):
        title = st.text_input("Title", value=snap.title, max_chars=MAX_TITLE_CHARS)
        date = st.date_input("Date", value=snap.date)
        expected = st.number_input("Participants expected", 1, 1000, value=snap.expected_participants)
        dots = st.number_input("Dots per participant", 1, MAX_DOTS, value=snap.dots_per_participant)
        anonymise = st.checkbox("Anonymise contributions (on screen and in the record)", value=snap.anonymise)
        if st.form_submit_button("Save settings"):
            _do(
                lambda: fac.update(
                    title=title,
                    date=date,
                    expected_participants=int(expected),
                    dots_per_participant=int(dots),
                    anonymise=anonymise,
                ),
                "Settings saved.",
            )
    cols = st.columns(2)
    if snap.joining_open:
        if cols[0].button("Close the join code", icon=":material/lock:"):
            _do(lambda: fac.set_joining(False), "Join code closed: no one new can join.")
    elif cols[0].button("Reopen the join code", icon=":material/lock_open:", disabled=snap.ended):
        _do(lambda: fac.set_joining(True), "Join code reopened.")
    if not snap.ended:
        if cols[1].button("End the workshop", icon=":material/stop_circle:"):
            _do(lambda: fac.end(True), "Workshop ended: ideas and votes are closed.")
    elif cols[1].button("Reopen the workshop", icon=":material/replay:"):
        _do(lambda: fac.end(False), "Workshop reopened.")


# ------------------------------------------------------------------ page


facilitator = _facilitator()
if facilitator is None:
    show_flash(_FLASH)
    _create_form()
else:
    snapshot = facilitator.snapshot()
    _header(facilitator, snapshot)
    if snapshot.ended:
        st.warning("This workshop has ended: ideas and votes are closed.")
    run, agenda, results, settings = st.tabs(["Run", "Agenda", "Results and export", "Settings"])
    with run:
        _run_tab(facilitator, snapshot)
    with agenda:
        _agenda_tab(facilitator, snapshot)
    with results:
        _results_tab(facilitator, snapshot)
    with settings:
        _settings_tab(facilitator, snapshot)
