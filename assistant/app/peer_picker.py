"""The "good practice from" control shared by the Plan page and the workshop agenda form.

Inside a form the report is chosen at the same time, so the control returns the
choice and ``peers_for`` resolves it against the chosen report on submit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import streamlit as st

from assistant.peers import PeerError, PeerSelection, load_councils

PeerMode = Literal["all", "region", "type", "list"]
MODES: dict[PeerMode, str] = {
    "all": "All other councils",
    "region": "Councils in the same region",
    "type": "Councils of the same type",
    "list": "Chosen councils",
}


@dataclass(frozen=True)
class PeerChoice:
    mode: PeerMode = "all"
    names: tuple[str, ...] = field(default=())


def peer_picker(key: str) -> PeerChoice:
    """A radio (all / same region / same type / chosen) and the councils to choose from."""
    mode = st.radio(
        "Good practice from",
        list(MODES),
        format_func=MODES.__getitem__,
        horizontal=True,
        key=f"{key}-mode",
        help="Limit the good practice quoted to councils like this one (region and type from the ONS classification).",
    )
    names = st.multiselect(
        "Chosen councils (for “Chosen councils”)",
        [c.name for c in load_councils()],
        key=f"{key}-names",
        placeholder="Type to find councils",
    )
    return PeerChoice(mode=mode, names=tuple(names))


def peers_for(choice: PeerChoice, authority: str) -> PeerSelection | None:
    """The selection for a report's council; raises ``PeerError`` when it cannot be made."""
    councils = load_councils()
    if choice.mode == "all":
        return None
    if choice.mode == "list":
        if not choice.names:
            raise PeerError("choose at least one council, or pick another option")
        return PeerSelection.build(councils, names=choice.names)
    mine = councils.match(authority)
    if mine is None:
        raise PeerError(f"{authority} is not in the council reference data, so its region and type are unknown")
    if choice.mode == "region":
        return PeerSelection.build(councils, region=mine.region)
    return PeerSelection.build(councils, council_type=mine.type)
