"""One module per dashboard page; each renders with the serving copy and the chosen period.

``PAGES`` is the sidebar, in order: the app builds its navigation from it, and the browser
helpers (screenshots, timings, tests) walk it. The first page is the default one, served at "/".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ecom.dashboard.views import customers, funnel, overview, propensity, recommendations, retention, sales

if TYPE_CHECKING:
    from ecom.dashboard.queries import Serving
    from ecom.dashboard.state import Period


@dataclass(frozen=True)
class Page:
    title: str  # the sidebar entry and the page's header
    path: str  # its URL path
    icon: str
    render: Callable[[Serving, Period, Period | None], None]


PAGES = [
    Page("Overview", "overview", ":material/dashboard:", overview.render),
    Page("Sales", "sales", ":material/bar_chart:", sales.render),
    Page("Funnel", "funnel", ":material/filter_alt:", funnel.render),
    Page("Customers", "customers", ":material/groups:", customers.render),
    Page("Retention", "retention", ":material/event_repeat:", retention.render),
    Page("Recommendations", "recommendations", ":material/recommend:", recommendations.render),
    Page("Propensity", "propensity", ":material/target:", propensity.render),
]
