"""The dashboard's shareable state: every filter and drill level lives in the URL.

Widgets read their value from the query parameters, so a copied URL reopens the same view, and
write it back when it changes (each change is a browser history entry, so Back and Forward
step through views). Streamlit clears the query parameters on a switch of page; the session
remembers the global filters and each page's own parameters, and ``restore`` puts them back
into the URL when the user arrives on a page, unless the URL already says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

GLOBAL = ("from", "to", "compare")
_PAGE = "state:page"


@dataclass(frozen=True)
class Period:
    """A range of days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        if self.start == self.end:
            return f"{self.start:%-d %b %Y}"
        same_year = self.start.year == self.end.year
        return f"{self.start:%-d %b}{'' if same_year else self.start.strftime(' %Y')} - {self.end:%-d %b %Y}"


def _memory(scope: str) -> dict[str, str]:
    return st.session_state.setdefault(f"state:{scope}", {})


def _scope(name: str) -> str:
    return "global" if name in GLOBAL else st.session_state.get(_PAGE, "")


def restore(page: str) -> None:
    """Start a run of ``page``. On the page the last run showed, the URL is the whole state (Back
    and Forward change it); arriving from another page, the remembered parameters the URL lacks
    (Streamlit cleared them) are put back into it."""
    arriving = st.session_state.get(_PAGE) != page
    st.session_state[_PAGE] = page
    for scope in ("global", page):
        in_url = {name: value for name, value in st.query_params.items() if (scope == "global") == (name in GLOBAL)}
        memory = _memory(scope)
        missing = {name: value for name, value in memory.items() if name not in in_url} if arriving else {}
        memory.clear()
        memory.update({**missing, **in_url})
        if missing:
            st.query_params.update(missing)


def get(name: str, default: str | None = None) -> str | None:
    return st.query_params.get(name, default)


def put(**values: object) -> None:
    """Set query parameters and remember them (None removes one)."""
    for name, value in values.items():
        memory = _memory(_scope(name))
        if value is None:
            st.query_params.pop(name, None)
            memory.pop(name, None)
        else:
            st.query_params[name] = str(value)
            memory[name] = str(value)


def parse_date(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback
