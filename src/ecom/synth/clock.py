"""The store's clock: months, daily traffic, hour-of-day and weekday rhythm, the November spike.

Traffic is expressed as an intensity per hour relative to an ordinary October hour. Its running
sum ("operational time", in baseline days) lets the generator place sessions with a Poisson
process whose rate follows the calendar, by inverting the cumulative intensity.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from ecom.errors import EcomError

HOUR = 3600
DAY = 86_400

# Share of sessions by UTC hour (the store is in UTC+3: quiet at night, busiest in the afternoon).
HOURLY_TRAFFIC = np.array(
    [0.35, 0.25, 0.28, 0.45, 0.85, 1.25, 1.55, 1.75, 1.85, 1.95, 1.95, 1.9,
     1.85, 1.85, 1.9, 2.0, 2.05, 1.95, 1.75, 1.45, 1.05, 0.75, 0.5, 0.4]
)
HOURLY_TRAFFIC = HOURLY_TRAFFIC / HOURLY_TRAFFIC.mean()

# Purchase intent by UTC hour: buying peaks late morning in Moscow, so revenue peaks near 09:00 UTC.
HOURLY_CONVERSION = np.array(
    [0.55, 0.5, 0.55, 0.75, 1.0, 1.3, 1.5, 1.65, 1.75, 1.8, 1.65, 1.45,
     1.25, 1.1, 1.0, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6, 0.6, 0.55]
)
HOURLY_CONVERSION = HOURLY_CONVERSION / np.average(HOURLY_CONVERSION, weights=HOURLY_TRAFFIC)

# Monday..Sunday.
WEEKDAY_TRAFFIC = np.array([1.0, 1.02, 1.0, 0.98, 0.95, 0.97, 1.06])

# Month-level behaviour. November 2019 had more sessions per user, far more cart events
# (84% of purchasing sessions carted vs 46% in October) and slightly lower conversion.
@dataclass(frozen=True)
class MonthBehaviour:
    traffic: float
    new_users: float
    views_per_session: float
    cart_before_purchase: float
    abandoned_cart: float
    conversion: float


MONTH_BEHAVIOUR: dict[int, MonthBehaviour] = {
    10: MonthBehaviour(1.00, 1.00, 1.00, 0.46, 0.060, 1.00),
    11: MonthBehaviour(1.16, 1.0, 1.06, 0.84, 0.150, 0.68),
    12: MonthBehaviour(1.20, 0.95, 1.05, 0.80, 0.140, 0.95),
}
OTHER_MONTH = MonthBehaviour(1.05, 0.95, 1.02, 0.70, 0.110, 0.95)

# The 2019-11-16/17 sale: (traffic multiplier, conversion multiplier).
SPECIAL_DAYS: dict[date, tuple[float, float]] = {
    date(2019, 11, 15): (1.15, 1.1),
    date(2019, 11, 16): (1.45, 1.95),
    date(2019, 11, 17): (2.1, 3.6),
}


@dataclass(frozen=True)
class Month:
    """A calendar month, named like the real files (``2019-Oct``)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """Accept ``2019-10`` or ``2019-Oct``."""
        text = text.strip()
        for fmt in ("%Y-%m", "%Y-%b"):
            try:
                parsed = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return cls(parsed.year, parsed.month)
        raise EcomError(f"month {text!r} is not of the form 2019-10 or 2019-Oct")

    @property
    def label(self) -> str:
        return f"{self.year}-{_calendar.month_abbr[self.month]}"

    @property
    def start(self) -> int:
        """Epoch seconds of the first instant (UTC)."""
        return int(datetime(self.year, self.month, 1, tzinfo=UTC).timestamp())

    @property
    def end(self) -> int:
        """Epoch seconds of the first instant of the next month."""
        return self.next().start

    @property
    def days(self) -> int:
        return _calendar.monthrange(self.year, self.month)[1]

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def behaviour(self) -> MonthBehaviour:
        return MONTH_BEHAVIOUR.get(self.month, OTHER_MONTH) if self.year == 2019 else OTHER_MONTH


def month_range(first: Month, count: int) -> list[Month]:
    months = [first]
    while len(months) < count:
        months.append(months[-1].next())
    return months


class Clock:
    """Hourly intensity and its running sum over a span of whole months."""

    def __init__(self, months: list[Month]) -> None:
        self.start = months[0].start
        self.end = months[-1].end
        hours = (self.end - self.start) // HOUR
        stamps = self.start + np.arange(hours, dtype=np.int64) * HOUR
        days = stamps // DAY
        weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)
        hour = (stamps % DAY) // HOUR
        month_of = {m.start: m for m in months}
        traffic = np.empty(hours)
        conversion = np.ones(hours)
        for d in np.unique(days):
            day = datetime.fromtimestamp(int(d) * DAY, tz=UTC).date()
            month = month_of[Month(day.year, day.month).start]
            t_mult, c_mult = SPECIAL_DAYS.get(day, (1.0, 1.0))
            sel = days == d
            traffic[sel] = month.behaviour.traffic * t_mult
            conversion[sel] = month.behaviour.conversion * c_mult
        self.rate = traffic * HOURLY_TRAFFIC[hour] * WEEKDAY_TRAFFIC[weekday]
        self.conversion = conversion * HOURLY_CONVERSION[hour]
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.rate) / 24.0])

    def operational(self, t: np.ndarray) -> np.ndarray:
        """Cumulative intensity (baseline days) at epoch seconds ``t``, clipped to the span."""
        x = (np.clip(t, self.start, self.end) - self.start) / HOUR
        idx = np.minimum(x.astype(np.int64), len(self.rate) - 1)
        return self.cumulative[idx] + (x - idx) * self.rate[idx] / 24.0

    def invert(self, v: np.ndarray) -> np.ndarray:
        """Epoch seconds (float) where the cumulative intensity reaches ``v``."""
        idx = np.clip(np.searchsorted(self.cumulative, v, side="right") - 1, 0, len(self.rate) - 1)
        frac = (v - self.cumulative[idx]) * 24.0 / self.rate[idx]
        return self.start + (idx + np.clip(frac, 0.0, 1.0 - 1e-9)) * HOUR

    def conversion_at(self, t: np.ndarray) -> np.ndarray:
        """Purchase-intent multiplier (day, month and hour of day) at epoch seconds ``t``."""
        idx = np.clip((t - self.start) // HOUR, 0, len(self.rate) - 1).astype(np.int64)
        return self.conversion[idx]
