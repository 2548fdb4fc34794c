"""Helpers for tests that render the dashboard in-process (Streamlit's AppTest)."""

from __future__ import annotations

import importlib.util

import pytest
from streamlit.testing.v1 import AppTest

from ecom.dashboard.app import PAGES
from ecom.paths import DATA_DIR_ENV, DataDir

APP = importlib.util.find_spec("ecom.dashboard.app").origin  # type: ignore[union-attr]


def open_app(monkeypatch: pytest.MonkeyPatch, data: DataDir) -> AppTest:
    monkeypatch.setenv(DATA_DIR_ENV, str(data.root))
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def render_every_page(monkeypatch: pytest.MonkeyPatch, data: DataDir) -> None:
    """Every page renders a header and no exception."""
    at = open_app(monkeypatch, data)
    for page in PAGES:
        at.sidebar.radio[0].set_value(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.header, page
