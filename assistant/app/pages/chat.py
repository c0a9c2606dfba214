"""Chat: questions about the reports, draft actions, and plan edits in words."""

from __future__ import annotations

import streamlit as st

from assistant.app import components, state
from assistant.text import escape_markdown

st.title("Chat")
store = state.store()
cid = state.conversation_id()
messages = store.messages(cid) if cid else []

# Filled after the chat input is drawn: the reports may still be loading (``state.start_loading``).
tip = st.empty() if not messages else None

for m in messages:
    with st.chat_message(m.role):
        if m.turn is not None:
            components.render_turn(m.turn, f"m{m.position}")
        else:
            st.markdown(escape_markdown(m.content))

prompt = st.chat_input("Ask about the reports, or tell me how to change the plan")
if tip is not None:
    names = ", ".join(escape_markdown(a) for a in sorted({r.authority for r in state.assistant().reports()}))
    tip.info(
        f"Ask about the reports ({names or 'none loaded yet'}): *What are the main shortfalls for …?*, "
        "*Draft actions for …'s data-sharing gaps*, *Compare the authorities on voluntary sector funding*, "
        "*Draft the whole plan for …*, then change it in words and *export the plan*.",
        icon=":material/lightbulb:",
    )
if prompt is not None:
    if not prompt.strip():
        st.stop()  # an empty message is ignored
    is_new = cid is None
    cid = state.ensure_conversation()
    store.add_message(cid, "user", prompt)
    with st.chat_message("user"):
        st.markdown(escape_markdown(prompt))
    with st.chat_message("assistant"):
        stream = state.chat().stream(prompt, state.plan(), state.context())
        shown = st.empty()
        with shown.container(), st.spinner("Reading the reports…"):
            streamed = st.write_stream(iter(stream))
        turn = stream.turn
        assert turn is not None, "the reply stream sets its turn when it ends"
        if turn.error:
            shown.error(turn.reply)
        elif streamed != turn.reply:  # an engine answer replaced by the honest "the reports don't say"
            shown.markdown(turn.reply)
        if turn.plan is not None:
            state.save_plan(
                turn.plan, "; ".join(c.summary for c in turn.plan_changes) or "Changed in chat", turn.plan_changes
            )
        reply = store.add_message(cid, "assistant", turn.reply, turn)
        components.render_turn(turn, f"m{reply.position}", show_reply=False)
    if is_new:
        st.rerun()  # so the sidebar lists the new conversation
