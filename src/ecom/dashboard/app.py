"""The Streamlit dashboard over the gold layer (start it with `ecom dashboard`).

It reads the serving copy of the warehouse (``ecom.warehouse.serving``) read-only, never the
warehouse file, so `ecom build` can run while it serves; each rerun resolves the CURRENT version,
so it switches to a new export at once. Every page has its own URL path, and the period, the
comparison and each page's filters are query parameters (``ecom.dashboard.state``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import streamlit as st

from ecom.dashboard import state
from ecom.dashboard.queries import Serving
from ecom.dashboard.state import Period
from ecom.dashboard.views import PAGES, Page
from ecom.paths import DataDir
from ecom.warehouse.serving import MANIFEST, current

COMPARISONS = {"previous": "The period before", "none": "No comparison"}


@st.cache_resource(max_entries=2)
def _serving(folder: str) -> Serving:
    return Serving.open(Path(folder))


def _period_filter(s: Serving) -> tuple[Period, Period | None]:
    """The sidebar's date range and comparison, read from and written to the URL."""
    bounds = s.query("Overview", "bounds").row(0, named=True)
    first: date = bounds["first_day"] or date.today()
    last: date = bounds["last_day"] or first
    start = min(max(state.parse_date(state.get("from"), first), first), last)
    end = min(max(state.parse_date(state.get("to"), last), start), last)
    picked = st.sidebar.date_input("Period", value=(start, end), min_value=first, max_value=last,
                                   format="YYYY-MM-DD", help="Every KPI, chart and table on every page follows it.")
    if isinstance(picked, tuple) and len(picked) == 2 and (picked[0], picked[1]) != (start, end):
        start, end = picked
        state.put(**{"from": start.isoformat(), "to": end.isoformat()})
    if st.sidebar.button("Whole data", type="tertiary", help=f"{first:%-d %b %Y} - {last:%-d %b %Y}"):
        state.put(**{"from": None, "to": None})
        st.rerun()
    choice = state.get("compare", "previous")
    choice = choice if choice in COMPARISONS else "previous"
    picked_compare = st.sidebar.selectbox("Compare with", list(COMPARISONS), index=list(COMPARISONS).index(choice),
                                          format_func=COMPARISONS.__getitem__)
    if picked_compare != choice:
        state.put(compare=None if picked_compare == "previous" else picked_compare)
        choice = picked_compare
    period = Period(start, end)
    compare = period.previous() if choice == "previous" else None
    if compare is not None:
        st.sidebar.caption(f"Compared with {compare.label()}" + (" (before the data starts)" if compare.end < first
                                                                 else ""))
    return period, compare


def _page(page: Page, default: bool) -> st.Page:
    def run() -> None:
        state.restore(page.path)
        data = DataDir.resolve()
        folder = current(data)
        if folder is None:  # the serving copy was removed since the entry point looked
            _nothing_built(data)
            return
        serving = _serving(str(folder))
        period, compare = _period_filter(serving)
        page.render(serving, period, compare)

    return st.Page(run, title=page.title, url_path=page.path, icon=page.icon, default=default)


def _nothing_built(data: DataDir) -> None:
    st.title("E-commerce analytics")
    st.info(f"Nothing built yet in {data.root}. Run **`make run`** (or `ecom run`) to generate a dataset, load it "
            "and build the warehouse; the dashboard picks the tables up as soon as the build finishes.")


def main() -> None:
    st.set_page_config(page_title="E-commerce analytics", page_icon=":material/monitoring:", layout="wide")
    data = DataDir.resolve()
    folder = current(data)
    if folder is None:
        st.navigation([st.Page(lambda: _nothing_built(data), title="Overview", url_path="overview",
                               default=True)]).run()
        return
    pages = [_page(page, default=i == 0) for i, page in enumerate(PAGES)]
    navigation = st.navigation(pages, position="sidebar")
    manifest = json.loads((folder / MANIFEST).read_text())
    exported = datetime.fromisoformat(manifest["exported_at"])
    st.sidebar.caption(f"Data as of {exported:%-d %b %Y, %H:%M} UTC")
    navigation.run()


main()
