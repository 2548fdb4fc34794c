"""Helpers for tests that render the dashboard in-process (Streamlit's AppTest)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from ecom.dashboard.views import PAGES
from ecom.paths import DATA_DIR_ENV, DataDir

APP = importlib.util.find_spec("ecom.dashboard.app").origin  # type: ignore[union-attr]


def open_page(monkeypatch: pytest.MonkeyPatch, data: DataDir, path: str = "", **params: object) -> AppTest:
    """Run the app as a browser opening ``/<path>?<params>`` would.

    AppTest switches only to file pages; a page that ``st.navigation`` builds from a function is
    addressed by the hash of its URL path, which must be chosen before the first run.
    """
    monkeypatch.setenv(DATA_DIR_ENV, str(data.root))
    at = AppTest.from_file(APP, default_timeout=60)
    if path:
        at._page_hash = calc_hash(path)
    at.query_params.update({name: str(value) for name, value in params.items()})
    return at.run()


def column_labels(at: AppTest) -> list[list[str | None]]:
    """The headers each table on the page shows: its column configuration's labels, None where a
    column has no label (Streamlit then shows the raw name)."""
    tables = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        shown = [c for c in frame.value.columns if (config.get(c) or {}).get("hidden") is not True and c in config
                 or c not in config]
        tables.append([(config.get(c) or {}).get("label") for c in shown])
    return tables


def render_every_page(monkeypatch: pytest.MonkeyPatch, data: DataDir) -> None:
    """Every page renders its header and no exception."""
    for page in PAGES:
        at = open_page(monkeypatch, data, page.path)
        assert not at.exception, (page.title, [e.value for e in at.exception])
        assert [h.value for h in at.header] == [page.title]
