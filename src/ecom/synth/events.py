"""Expand sessions into event rows (view, cart, purchase), vectorised over a chunk of sessions.

A session looks at a few products, mostly in the category of its first one. Some sessions buy:
the first product viewed, sometimes with its complementary "partner" (which gives the market
basket real pairs), with or without a cart event first as in the real months. Some sessions
cart a product and leave. Timestamps follow the session's start with second-level gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ecom.synth.catalogue import Catalogue, ProductSampler
from ecom.synth.clock import Clock, Month
from ecom.synth.population import Sessions, Users

VIEW, CART, PURCHASE = 0, 1, 3
SAME_CATEGORY_VIEW = 0.75
EXTRA_ITEMS_MEAN = 0.6
PARTNER_SHARE = 0.6
MEAN_GAP_SECONDS = 38.0


@dataclass
class EventRows:
    """Event columns as arrays; ``session`` indexes the month's sessions."""

    time: np.ndarray  # int64 epoch seconds
    kind: np.ndarray  # int8 index into EVENT_TYPES
    product: np.ndarray  # int32 index into the catalogue
    session: np.ndarray  # int64 index into the month's sessions

    def __len__(self) -> int:
        return len(self.time)


def expand_sessions(
    rng: np.random.Generator,
    lo: int,
    hi: int,
    sessions: Sessions,
    users: Users,
    month: Month,
    clock: Clock,
    sampler: ProductSampler,
    cat: Catalogue,
) -> EventRows:
    """Events of sessions ``lo:hi`` (in time order), sorted by time."""
    n = hi - lo
    sess = np.arange(lo, hi, dtype=np.int64)
    user = sessions.user[lo:hi]
    start = sessions.start[lo:hi]
    behaviour = month.behaviour

    views = np.minimum(2000, rng.geometric(1.0 / np.maximum(1.0, users.views[user] * behaviour.views_per_session)))
    buys = rng.random(n) < np.minimum(0.95, users.conversion[user] * clock.conversion_at(start))
    items = np.where(buys, 1 + rng.poisson(EXTRA_ITEMS_MEAN, n), 0)
    abandoned = ~buys & (rng.random(n) < behaviour.abandoned_cart)
    focus = sampler.popular(rng, n)

    # Views: the first is the session's focus product, the rest mostly from its category.
    v_sess = np.repeat(np.arange(n), views)
    v_pos = np.arange(len(v_sess)) - np.repeat(np.cumsum(views) - views, views)
    v_prod = focus[v_sess]
    later = v_pos > 0
    same = later & (rng.random(len(v_sess)) < SAME_CATEGORY_VIEW)
    v_prod[same] = sampler.same_category(rng, v_prod[same])
    other = later & ~same
    v_prod[other] = sampler.popular(rng, int(other.sum()))

    # Purchases: item 0 is the focus product, extra items its partner or another popular product.
    p_sess = np.repeat(np.arange(n), items)
    p_item = np.arange(len(p_sess)) - np.repeat(np.cumsum(items) - items, items)
    p_prod = focus[p_sess].copy()
    extra = p_item > 0
    partner = extra & (rng.random(len(p_sess)) < PARTNER_SHARE)
    partner[partner] = sampler.launched[cat.product_partner[p_prod[partner]]]  # else a popular one
    p_prod[partner] = cat.product_partner[p_prod[partner]]
    rest = extra & ~partner
    p_prod[rest] = sampler.popular(rng, int(rest.sum()))
    p_pos = views[p_sess] + 2 * p_item + 1
    carted = rng.random(len(p_sess)) < behaviour.cart_before_purchase

    a_sess = np.flatnonzero(abandoned)
    kinds = [
        (v_sess, v_pos, VIEW, v_prod),
        (p_sess[carted], p_pos[carted] - 1, CART, p_prod[carted]),
        (p_sess, p_pos, PURCHASE, p_prod),
        (a_sess, views[a_sess], CART, focus[a_sess]),
    ]
    return _timed(rng, kinds, start, sess)


def _timed(
    rng: np.random.Generator, kinds: list[tuple[np.ndarray, np.ndarray, int, np.ndarray]], start: np.ndarray,
    sess: np.ndarray,
) -> EventRows:
    """The events of each kind (session, position in it, kind, product), merged in session order,
    spaced by exponential gaps from each session's start and sorted by time."""
    e_sess = np.concatenate([k[0] for k in kinds])
    e_pos = np.concatenate([k[1] for k in kinds])
    e_kind = np.concatenate([np.full(len(k[0]), k[2], dtype=np.int8) for k in kinds])
    e_prod = np.concatenate([k[3] for k in kinds]).astype(np.int32)
    # Each kind's rows are already in session order: a stable sort merges four sorted runs.
    order = np.argsort(e_sess * 4096 + np.minimum(e_pos, 4095), kind="stable")
    e_sess, e_kind, e_prod = e_sess[order], e_kind[order], e_prod[order]

    gaps = rng.exponential(MEAN_GAP_SECONDS, len(e_sess)).astype(np.int64)
    first_of_session = np.ones(len(e_sess), dtype=bool)
    first_of_session[1:] = e_sess[1:] != e_sess[:-1]
    gaps[first_of_session] = 0
    offset = np.cumsum(gaps)
    offset -= np.maximum.accumulate(np.where(first_of_session, offset, 0))
    e_time = start[e_sess] + offset
    by_time = stable_order(e_time)
    return EventRows(e_time[by_time], e_kind[by_time], e_prod[by_time], sess[e_sess[by_time]])


def stable_order(values: np.ndarray) -> np.ndarray:
    """``np.argsort(values, kind="stable")`` for int64 values, faster.

    Each value is packed with its position into one int64 key (the value relative to the
    smallest above the position's bits), so the keys are unique and a plain sort of them gives
    the stable order: sorting keys is cheaper than an argsort's indirect comparisons.
    """
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    bits = max(1, int(len(values) - 1).bit_length())
    base = int(values.min())
    if (int(values.max()) - base).bit_length() + bits > 62:  # Python ints: no overflow here
        return np.argsort(values, kind="stable")
    keys = ((values - base) << bits) | np.arange(len(values), dtype=np.int64)
    keys.sort()
    return keys & ((1 << bits) - 1)


def session_uuids(seed: int, month: Month, source: np.ndarray) -> pl.Series:
    """UUID4-shaped strings derived from (seed, month, session index): deterministic, unique."""
    key = _splitmix(np.array([seed * 100_003 + month.year * 12 + month.month], dtype=np.uint64))[0]
    hi = _splitmix(source.astype(np.uint64) + key)
    lo = _splitmix(hi ^ np.uint64(0xD6E8FEB86659FD93))
    hi = (hi & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x0000000000004000)
    lo = (lo & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    raw = np.empty((len(source), 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    nibbles = np.empty((len(source), 32), dtype=np.uint8)
    octets = raw.view(np.uint8).reshape(len(source), 16)
    nibbles[:, 0::2] = octets >> 4
    nibbles[:, 1::2] = octets & 15
    chars = _HEX[nibbles]
    text = np.full((len(source), 36), ord("-"), dtype=np.uint8)
    for a, b, width in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        text[:, a : a + width] = chars[:, b : b + width]
    return pl.Series(text.view("S36").ravel()).cast(pl.String)


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _splitmix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))
