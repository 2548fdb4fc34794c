"""The generated store's catalogue: categories, brands and products with prices and popularity.

Sizes follow the real dataset at full scale (about 690 category ids of which 127 codes,
4,200 brands, 209k products) and shrink sub-linearly for smaller presets so that tiny data still
has repeat products for baskets. Popularity is Zipf-like within each category.

The catalogue grows as the real one does: November shows 60 category ids, about 760 brands and
24k products that October does not (684 against 624, 4,200 against 3,446, 190,662 against
166,794). Those launch during the first month; a month's events only name what launched by its
first instant (``ProductSampler``), so they appear from the second month on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ecom.synth.taxonomy import BRANDS_BY_PREFIX, CATEGORY_CODES, SYLLABLES

FULL_PRODUCTS = 209_000
FULL_BRANDS = 4_220
CODED_SHARE = 0.672  # 31.8% of real October events have an empty category_code (32.4% in November)
UNCODED_CATEGORIES = 415
NEW_CATEGORY_SHARE = 60 / 684  # category ids that launch in the first month (uncoded, small ones)
NEW_BRAND_SHARE = 0.18  # brands that launch in the first month (long-tail, small ones)
NEW_PRODUCT_SHARE = 0.05  # other products that launch in the first month
LATER_PRODUCT_SHARE = 0.11  # products that launch at any time in the period
MIN_PRICE, MAX_PRICE = 0.77, 2574.07
PRICE_CHANGE_SHARE = 0.37  # 70,684 of ~190k real products change price
BRAND_CHANGE_SHARE = 0.0007  # 136 real products have two brands
NULL_BRAND_SHARE = 0.14
PRICE_LEVEL = 1.42  # scales every median so the view-weighted mean price is ~290 as published


@dataclass
class Catalogue:
    """Column arrays, one entry per category / brand / product (indices are positions)."""

    category_ids: np.ndarray  # int64, 19 digits like the real ones
    category_codes: list[str | None]
    code_names: list[str]  # distinct codes; category_code_index points here
    category_code_index: np.ndarray  # int32, -1 = no code
    brand_names: list[str]
    product_ids: np.ndarray  # int64
    product_category: np.ndarray  # int32 index into categories
    product_brand: np.ndarray  # int32, -1 = no brand
    product_alt_brand: np.ndarray  # int32, brand after the change time (same as brand for most)
    product_price: np.ndarray  # float64 before the change time
    product_new_price: np.ndarray  # float64 after it
    product_change_time: np.ndarray  # float64 epoch seconds (inf = never)
    product_weight: np.ndarray  # float64 popularity, sums to 1
    product_launch: np.ndarray  # int64 epoch seconds when the product appears
    product_partner: np.ndarray  # int32: the product most often bought with it
    category_first_product: np.ndarray  # int32 start of each category's products (sorted by category)


def _brand_names(rng: np.random.Generator, count: int) -> list[str]:
    known: list[str] = []
    for names in BRANDS_BY_PREFIX.values():
        known.extend(n for n in names if n not in known)
    names = list(known)
    seen = set(names)
    syllables = np.array(SYLLABLES)
    while len(names) < count:
        parts = rng.choice(syllables, size=rng.integers(2, 4))
        name = "".join(parts)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _zipf(n: int, exponent: float, offset: float) -> np.ndarray:
    w = (np.arange(n) + offset) ** -exponent
    return w / w.sum()


def _lighter_half_pick(rng: np.random.Generator, candidates: np.ndarray, weight: np.ndarray, count: int) -> np.ndarray:
    """A mask over ``weight``'s entries: ``count`` drawn at random from the lighter half of ``candidates``."""
    light = candidates[np.argsort(weight[candidates])[: len(candidates) // 2]]
    picked = np.zeros(len(weight), dtype=bool)
    picked[rng.choice(light, size=min(len(light), count), replace=False)] = True
    return picked


@dataclass
class _Categories:
    code_index: np.ndarray  # index into the taxonomy's codes, -1 for an uncoded category
    share: np.ndarray  # share of traffic
    median_price: np.ndarray
    ids: np.ndarray


def _categories(rng: np.random.Generator, codes: list[str]) -> _Categories:
    """Category ids: each code gets 1-4 ids; the rest have no code."""
    code_weight = np.array([CATEGORY_CODES[c][1] for c in codes])
    code_weight = code_weight / code_weight.sum()
    ids_per_code = 1 + rng.binomial(3, 0.35, size=len(codes))
    code_index = np.concatenate(
        [np.repeat(np.arange(len(codes)), ids_per_code), np.full(UNCODED_CATEGORIES, -1)]
    ).astype(np.int32)
    n_categories = len(code_index)
    share = np.empty(n_categories)
    pos = 0
    for ci, k in enumerate(ids_per_code):
        split = rng.dirichlet(np.full(k, 1.5)) if k > 1 else np.ones(1)
        share[pos : pos + k] = CODED_SHARE * code_weight[ci] * np.sort(split)[::-1]
        pos += k
    share[pos:] = (1 - CODED_SHARE) * rng.permutation(_zipf(UNCODED_CATEGORIES, 1.0, 3.0))
    median = np.where(
        code_index >= 0,
        np.array([CATEGORY_CODES[codes[c]][0] for c in np.maximum(code_index, 0)]),
        np.exp(rng.normal(np.log(45.0), 0.9, n_categories)),
    )
    ids = 2_053_013_552_000_000_000 + np.cumsum(rng.integers(50_000_000, 900_000_000, n_categories))
    return _Categories(code_index, share, median, rng.permutation(ids))  # ids do not follow the taxonomy


def _brands_of_products(
    rng: np.random.Generator, cats: _Categories, codes: list[str], first: np.ndarray, per_cat: np.ndarray,
    brand_names: list[str], n_known: int,
) -> np.ndarray:
    """Per product: the category's known brands first (Zipf), else a long-tail brand tied to the category."""
    brand_index = {b: i for i, b in enumerate(brand_names)}
    product_brand = np.empty(int(per_cat.sum()), dtype=np.int32)
    tail = np.arange(n_known, len(brand_names))
    for c in range(len(cats.code_index)):
        lo, hi = first[c], first[c] + per_cat[c]
        code = codes[cats.code_index[c]] if cats.code_index[c] >= 0 else ""
        known = next((BRANDS_BY_PREFIX[p] for p in BRANDS_BY_PREFIX if code.startswith(p)), [])
        k = hi - lo
        tail_pick = tail[(c * 37 + rng.zipf(1.6, k)) % len(tail)] if len(tail) else np.zeros(k, int)
        if known:
            idx = np.array([brand_index[b] for b in known])
            pick = idx[np.minimum(rng.zipf(1.5, k) - 1, len(idx) - 1)]
            use_known = rng.random(k) < 0.7
            product_brand[lo:hi] = np.where(use_known, pick, tail_pick)
        else:
            product_brand[lo:hi] = tail_pick
    return product_brand


def build_catalogue(scale: float, rng: np.random.Generator, start: int, first_end: int, horizon: int) -> Catalogue:
    """A catalogue for a dataset ``scale`` times the real one's size.

    ``start`` is the first month's first instant, ``first_end`` the second month's, ``horizon``
    the latest launch time.
    """
    n_products = int(max(2_500, FULL_PRODUCTS * min(1.0, scale) ** 0.5))
    n_brands = int(max(200, FULL_BRANDS * min(1.0, scale) ** 0.35))
    brand_names = _brand_names(rng, n_brands)
    n_known = sum(1 for b in brand_names if any(b in v for v in BRANDS_BY_PREFIX.values()))
    codes = list(CATEGORY_CODES)
    cats = _categories(rng, codes)
    n_categories = len(cats.code_index)

    # Products per category grow sub-linearly with the category's traffic.
    raw = cats.share**0.7
    per_cat = np.maximum(3, np.floor(raw / raw.sum() * n_products)).astype(np.int64)
    n_products = int(per_cat.sum())
    product_category = np.repeat(np.arange(n_categories, dtype=np.int32), per_cat)
    first = np.concatenate([[0], np.cumsum(per_cat)[:-1]]).astype(np.int32)
    rank = np.arange(n_products) - np.repeat(first, per_cat)
    within = (rank + 2.0) ** -1.15
    within_sum = np.bincount(product_category, weights=within)
    weight = within / within_sum[product_category] * cats.share[product_category]
    weight = weight / weight.sum()

    product_brand = _brands_of_products(rng, cats, codes, first, per_cat, brand_names, n_known)
    # Empty brands on a random set of products carrying 14% of the traffic (not 14% of products,
    # which at small scale could miss or hit the few most popular ones).
    shuffled = rng.permutation(n_products)
    product_brand[shuffled[np.cumsum(weight[shuffled]) <= NULL_BRAND_SHARE]] = -1
    new_category, new_brand, product_alt_brand = _first_month_newcomers(
        rng, cats, product_brand, weight, n_brands, n_known)
    price, new_price, change_time = _prices(rng, cats.median_price[product_category], start, horizon)
    # What launches in the first month: new categories' and new brands' products and a share of
    # the others.
    first_month = new_category[product_category] | (new_brand[np.maximum(product_brand, 0)] & (product_brand >= 0))
    launch = _launches(rng, first_month, start, first_end, horizon)
    product_ids = 1_000_000 + np.cumsum(rng.integers(1, 400, n_products))
    partner = _partners(rng, cats.share, product_category, first, per_cat)
    return Catalogue(
        category_ids=cats.ids.astype(np.int64),
        category_codes=[codes[i] if i >= 0 else None for i in cats.code_index],
        code_names=codes,
        category_code_index=cats.code_index,
        brand_names=brand_names,
        product_ids=product_ids.astype(np.int64),
        product_category=product_category,
        product_brand=product_brand,
        product_alt_brand=product_alt_brand,
        product_price=price,
        product_new_price=new_price,
        product_change_time=change_time,
        product_weight=weight,
        product_launch=launch.astype(np.int64),
        product_partner=partner.astype(np.int32),
        category_first_product=first,
    )


def _first_month_newcomers(
    rng: np.random.Generator, cats: _Categories, product_brand: np.ndarray, weight: np.ndarray, n_brands: int,
    n_known: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New in the first month: small uncoded categories and small long-tail brands (with products);
    and the second brand of the few products that change brand (never to one not yet launched)."""
    new_category = _lighter_half_pick(
        rng, np.flatnonzero(cats.code_index < 0), cats.share, round(NEW_CATEGORY_SHARE * len(cats.code_index))
    )
    branded = product_brand >= 0
    brand_weight = np.bincount(product_brand[branded], weights=weight[branded], minlength=n_brands)
    tail_brands = np.arange(n_known, n_brands)
    new_brand = _lighter_half_pick(
        rng, tail_brands[brand_weight[tail_brands] > 0], brand_weight, round(NEW_BRAND_SHARE * n_brands)
    )
    product_alt_brand = product_brand.copy()
    changers = rng.random(len(product_brand)) < BRAND_CHANGE_SHARE
    established = np.flatnonzero(~new_brand)
    product_alt_brand[changers] = established[rng.integers(0, len(established), changers.sum())]
    return new_category, new_brand, product_alt_brand


def _launches(rng: np.random.Generator, first_month: np.ndarray, start: int, first_end: int, horizon: int) -> np.ndarray:
    """Per product, when it launches: in the first month for ``first_month`` products and a share of
    the others, else at the start; besides, about 1 product in 9 launches at any time in the period."""
    n = len(first_month)
    first_month = first_month | (rng.random(n) < NEW_PRODUCT_SHARE)
    launch = np.where(first_month, rng.uniform(start, first_end, n), start)
    later = rng.random(n) < LATER_PRODUCT_SHARE
    return np.where(later, np.maximum(launch, rng.uniform(start, horizon, n)), launch)


def _prices(
    rng: np.random.Generator, median: np.ndarray, start: int, horizon: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per product: its price, the price it changes to, and when (never, for most)."""
    n = len(median)
    price = np.exp(rng.normal(np.log(PRICE_LEVEL * median), 0.55))
    price = np.round(np.clip(price, MIN_PRICE, MAX_PRICE), 2)
    new_price = np.round(np.clip(price * np.exp(rng.normal(0.0, 0.09, n)), MIN_PRICE, MAX_PRICE), 2)
    change_time = np.where(rng.random(n) < PRICE_CHANGE_SHARE, rng.uniform(start, horizon, n), np.inf)
    return price, new_price, change_time


def _partners(
    rng: np.random.Generator, share: np.ndarray, product_category: np.ndarray, first: np.ndarray, per_cat: np.ndarray
) -> np.ndarray:
    """Each category has a complementary category; a product's partner is a popular item there."""
    n_categories = len(share)
    partner_cat = rng.integers(0, n_categories, n_categories)
    top_coded = np.argsort(-share)[:8]
    partner_cat[top_coded] = rng.permutation(top_coded)  # big categories complement each other
    pc = partner_cat[product_category]
    return first[pc] + np.minimum(rng.zipf(1.8, len(product_category)) - 1, per_cat[pc] - 1)


class ProductSampler:
    """Draws products by popularity, globally or within a given product's category."""

    def __init__(self, cat: Catalogue, at: int) -> None:
        self.launched = cat.product_launch <= at
        weight = np.where(self.launched, cat.product_weight, 0.0)
        self.global_cdf = np.cumsum(weight) / weight.sum()
        # Within-category CDF shifted by the category index: category c spans (c, c + 1].
        cumulative = np.cumsum(weight)
        before = np.concatenate([[0.0], cumulative])[cat.category_first_product]
        cat_sum = np.bincount(cat.product_category, weights=weight, minlength=len(cat.category_ids))
        cat_sum = np.where(cat_sum > 0, cat_sum, 1.0)
        within = cumulative - before[cat.product_category]
        self.offset_cdf = cat.product_category + within / cat_sum[cat.product_category]
        self.product_category = cat.product_category
        self.global_search = CdfSearch(self.global_cdf, 1.0)
        self.offset_search = CdfSearch(self.offset_cdf, float(len(cat.category_ids)))

    def popular(self, rng: np.random.Generator, n: int) -> np.ndarray:
        idx = self.global_search(rng.random(n))
        return np.minimum(idx, len(self.global_cdf) - 1).astype(np.int32)

    def same_category(self, rng: np.random.Generator, products: np.ndarray) -> np.ndarray:
        c = self.product_category[products]
        idx = self.offset_search(c + rng.random(len(products)))
        idx = np.minimum(idx, len(self.offset_cdf) - 1)
        # A category with no launched product yet keeps the given product.
        return np.where(self.product_category[idx] == c, idx, products).astype(np.int32)


class CdfSearch:
    """``np.searchsorted(cdf, q, side="right")`` for many ``q`` in ``[0, top]``, same answers.

    A binary search per draw into a 200k-entry CDF misses the cache at almost every step (a
    fifth of the generator's time). A guide table instead holds, for equal-width buckets of
    ``q``, the answer at each bucket's lower edge, so a draw starts within a step or two of its
    own answer. The bucket width is a power of two, so bucketing a draw is exact; the few draws
    still short after ``max_steps`` (in the long tail of rarely drawn products, many to a
    bucket) fall back to the binary search.
    """

    def __init__(self, cdf: np.ndarray, top: float, buckets_per_entry: int = 8, max_steps: int = 2) -> None:
        self.cdf = cdf
        self.scale = 2.0 ** np.ceil(np.log2(buckets_per_entry * len(cdf) / top))
        edges = np.arange(int(np.floor(top * self.scale)) + 2) / self.scale
        self.guide = np.searchsorted(cdf, edges, side="right")
        self.max_steps = max_steps

    def __call__(self, q: np.ndarray) -> np.ndarray:
        bucket = (q * self.scale).astype(np.int64)
        idx = self.guide[bucket]
        end = self.guide[bucket + 1]  # the answer at the bucket's upper edge bounds this one's
        todo = np.flatnonzero(idx < end)
        for _ in range(self.max_steps):
            todo = todo[self.cdf[idx[todo]] <= q[todo]]
            idx[todo] += 1
            todo = todo[idx[todo] < end[todo]]
        idx[todo] = np.searchsorted(self.cdf, q[todo], side="right")
        return idx
