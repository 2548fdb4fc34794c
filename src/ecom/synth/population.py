"""Shoppers and their sessions: the hidden behaviour that drives the generated events.

Every user has a latent propensity ``z`` that drives, together, whether they are a regular or
a one-week tourist, how often they come back and how likely a visit ends in a purchase. While
alive, a user's sessions follow a Poisson process on the store's clock, so the November spike
and the hour-of-day rhythm shape every user alike. The model's parameters are the sidecar
"truth" that only evaluation code reads.

Months are generated independently (their own random streams), so generating 2019-Dec later
does not change October or November.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ecom.synth.clock import DAY, Clock, Month

FULL_NEW_USERS_PER_DAY = 66_000
FULL_LEGACY_USERS = 1_050_000
TOURIST_LIFETIME_DAYS = 2.5
REGULAR_LIFETIME_DAYS = 110.0
LABEL_WINDOW_DAYS = 30.0
FIRST_USER_ID = 512_475_000


def purchase_propensity(regular: np.ndarray, rate: np.ndarray, conversion: np.ndarray, days: float) -> np.ndarray:
    """P(at least one purchase in the next ``days``) for a user alive now, given their true parameters.

    With lifetime T ~ Exp(h) (memoryless, so "alive now" restarts it) and purchases at rate
    k = sessions per day x purchase chance per session: P = 1 - [h/(h+k) (1 - e^{-d(h+k)}) + e^{-d(h+k)}].
    """
    h = 1.0 / np.where(regular, REGULAR_LIFETIME_DAYS, TOURIST_LIFETIME_DAYS)
    k = rate * conversion
    w = days * (h + k)
    return 1.0 - (h / (h + k) * (1.0 - np.exp(-w)) + np.exp(-w))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Users:
    """Column arrays, one entry per simulated user."""

    user_id: np.ndarray  # int64
    z: np.ndarray  # latent propensity, standard normal
    regular: np.ndarray  # bool
    rate: np.ndarray  # sessions per baseline day while alive
    conversion: np.ndarray  # chance a session ends in a purchase (before calendar multipliers)
    views: np.ndarray  # mean product views per session
    arrival: np.ndarray  # epoch seconds of the first session (may precede the data for legacy users)
    death: np.ndarray  # epoch seconds after which the user never returns

    def __len__(self) -> int:
        return len(self.user_id)

    def truth(self) -> pl.DataFrame:
        """The hidden per-user propensity (never read by the pipeline).

        ``propensity_30d`` is the probability of at least one purchase in the next 30 days for a
        user alive now (see ``purchase_propensity``); the parameters let evaluation code compute
        it for any other window. ``departs_at`` is when the user's lifetime ends (no session starts
        after it), so evaluation code can also compute the chance of a purchase in a window that
        starts at a given date (``ecom.ml.oracle.label_expectation``).
        """
        return pl.DataFrame(
            {
                "user_id": self.user_id,
                "latent_z": self.z,
                "is_regular": self.regular,
                "sessions_per_day": self.rate,
                "purchase_prob_per_session": self.conversion,
                "propensity_30d": purchase_propensity(self.regular, self.rate, self.conversion, LABEL_WINDOW_DAYS),
                "first_session_at": pl.from_epoch(pl.Series(self.arrival.astype(np.int64)), time_unit="s"),
                "departs_at": pl.from_epoch(pl.Series(self.death.astype(np.int64)), time_unit="s"),
            }
        )


def _draw_users(rng: np.random.Generator, n: int, arrival: np.ndarray, id_start: int) -> Users:
    z = rng.standard_normal(n)
    regular = rng.random(n) < _sigmoid(-0.55 + 1.0 * z)
    rate = np.where(
        regular,
        0.104 * np.exp(0.4 * z + 0.45 * rng.standard_normal(n)),
        0.6 * np.exp(0.35 * rng.standard_normal(n)),
    )
    conversion = _sigmoid(-3.70 + 0.75 * z + 0.3 * rng.standard_normal(n))
    views = 3.75 * np.exp(0.35 * rng.standard_normal(n) + 0.05 * z)
    lifetime = rng.exponential(1.0, n) * np.where(regular, REGULAR_LIFETIME_DAYS, TOURIST_LIFETIME_DAYS)
    ids = id_start + np.cumsum(rng.integers(1, 4, n))
    return Users(ids.astype(np.int64), z, regular, rate, conversion, views, arrival, arrival + lifetime * DAY)


def draw_population(seed: int, scale: float, months: list[Month], clock: Clock) -> Users:
    """Legacy users alive when the data starts, then each month's newcomers."""
    parts: list[Users] = []
    rng = np.random.default_rng([seed, 1])
    # Legacy users arrived up to 120 days before the start; keep those still alive then.
    want = round(FULL_LEGACY_USERS * scale)
    candidates = _draw_users(rng, want * 4 + 16, clock.start - rng.uniform(0, 120 * DAY, want * 4 + 16), 300_000_000)
    alive = np.flatnonzero(candidates.death > clock.start)[:want]
    parts.append(Users(*(getattr(candidates, f)[alive] for f in Users.__dataclass_fields__)))
    next_id = FIRST_USER_ID
    for m in months:
        rng = np.random.default_rng([seed, 2, m.year, m.month])
        g_lo, g_hi = clock.operational(np.array([m.start, m.end], dtype=float))
        n = round(FULL_NEW_USERS_PER_DAY * scale * m.behaviour.new_users * (g_hi - g_lo))
        arrival = np.sort(clock.invert(rng.uniform(g_lo, g_hi, n)))
        users = _draw_users(rng, n, arrival, next_id)
        next_id = int(users.user_id[-1]) + 1 if n else next_id
        parts.append(users)
    return Users(*(np.concatenate([getattr(p, f) for p in parts]) for f in Users.__dataclass_fields__))


@dataclass
class Sessions:
    """One month's sessions in time order."""

    user: np.ndarray  # int32 index into Users
    start: np.ndarray  # int64 epoch seconds
    id_source: np.ndarray  # int64: the session whose id this one carries (itself unless reused)


def draw_sessions(seed: int, users: Users, month: Month, clock: Clock) -> Sessions:
    """Sessions of every user alive during ``month``; ids reused as in the real data."""
    rng = np.random.default_rng([seed, 3, month.year, month.month])
    lo = np.maximum(users.arrival, month.start)
    hi = np.minimum(users.death, month.end)
    arrives = (users.arrival >= month.start) & (users.arrival < month.end)
    g_lo = clock.operational(lo)
    span = np.where(hi > lo, clock.operational(hi) - g_lo, 0.0)
    extra = rng.poisson(users.rate * span)
    who = np.repeat(np.arange(len(users), dtype=np.int32), extra)
    times = clock.invert(np.repeat(g_lo, extra) + rng.random(len(who)) * np.repeat(span, extra))
    first = np.flatnonzero(arrives).astype(np.int32)
    user = np.concatenate([first, who])
    start = np.concatenate([users.arrival[first], times]).astype(np.int64)
    keep = (start >= month.start) & (start < month.end)
    user, start = user[keep], start[keep]
    order = np.lexsort((user, start))
    user, start = user[order], start[order]

    # Session ids: a user returning within two days sometimes keeps the old id (the real data has
    # 2.16% of ids spanning over an hour of inactivity); a handful of ids are shared by two users.
    n = len(user)
    id_source = np.arange(n, dtype=np.int64)
    by_user = np.lexsort((start, user))
    same_user = np.zeros(n, dtype=bool)
    same_user[1:] = user[by_user][1:] == user[by_user][:-1]
    gap = np.zeros(n)
    gap[1:] = np.diff(start[by_user])
    reuse = same_user & (gap < 2 * DAY) & (rng.random(n) < 0.2)
    src = np.where(reuse, -1, by_user)
    # Forward-fill the last non-reused session along each user's sequence.
    pos = np.where(src >= 0, np.arange(n), 0)
    np.maximum.accumulate(pos, out=pos)
    id_source[by_user] = by_user[pos]
    shared = np.flatnonzero(rng.random(n) < 4.3e-5)
    shared = shared[shared > 0]
    id_source[shared] = id_source[shared - 1]
    return Sessions(user, start, id_source)
