"""How numbers and names read on the dashboard: thousands separators, fixed decimals, whole
dollars, deltas of rates in percentage points and of amounts in percent, and labels for columns."""

from __future__ import annotations

import streamlit as st

MONEY = "$%,.0f"
MONEY_CENTS = "$%,.2f"
COUNT = "%,d"
PERCENT = "%.2f%%"


def money(value: float | None) -> str:
    return "-" if value is None else f"${value:,.0f}"


def count(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def pct(value: float | None, decimals: int = 2) -> str:
    return "-" if value is None else f"{value:.{decimals}%}"


def delta_pct(now: float | None, before: float | None) -> str | None:
    """The change of an amount, in percent of the earlier value."""
    if now is None or not before:
        return None
    return f"{now / before - 1:+.1%}"


def delta_pp(now: float | None, before: float | None) -> str | None:
    """The change of a rate, in percentage points."""
    if now is None or before is None:
        return None
    return f"{(now - before) * 100:+.2f} pp"


def money_column(label: str, cents: bool = False, help: str | None = None) -> object:
    return st.column_config.NumberColumn(label, format=MONEY_CENTS if cents else MONEY, help=help)


def count_column(label: str, help: str | None = None) -> object:
    return st.column_config.NumberColumn(label, format=COUNT, help=help)


def rate_column(label: str, help: str | None = None) -> object:
    """A share or rate in [0, 1], shown in percent with two decimals."""
    return st.column_config.NumberColumn(label, format="percent", help=help)


def ratio_column(label: str, help: str | None = None) -> object:
    return st.column_config.NumberColumn(label, format="%.2fx", help=help)


def date_column(label: str) -> object:
    return st.column_config.DateColumn(label, format="D MMM YYYY")


def text_column(label: str, help: str | None = None) -> object:
    return st.column_config.TextColumn(label, help=help)


def humanize(name: str) -> str:
    """A column or feature name as words: ``days_since_last_event`` -> "Days since last event"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def product_label(category: str | None, brand: str | None, product_id: int) -> str:
    """How a person recognises a product: its category, brand and id, never a bare id."""
    return f"{category or 'no category'} · {brand or 'no brand'} · #{product_id}"


# What each KPI means, shown as its help tooltip.
DEFINITIONS = {
    "revenue": "Sum of purchase prices in USD (each purchase event is one unit), by purchase time.",
    "orders": "Purchase sessions: repaired sessions (30 idle minutes split a session) with at least one purchase.",
    "buyers": "Distinct users with at least one purchase in the period.",
    "aov": "Average order value: revenue / orders.",
    "sessions": "Repaired sessions started in the period.",
    "visitors": "Distinct users with a session started in the period.",
    "conversion": "Buyers / visitors in the period: the share of visiting users who bought.",
    "session_conversion": "Sessions with a purchase / sessions.",
    "view_to_cart": "Sessions with a view and an add to cart / sessions with a view.",
    "cart_to_purchase": "Sessions with an add to cart and a purchase / sessions with an add to cart.",
}
