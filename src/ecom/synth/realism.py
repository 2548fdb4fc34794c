"""Measure generated (or real) month files against the published REES46 figures.

Counts that grow with the data (rows, users, sessions, purchasers) are compared after scaling
the published figure by the generator's scale; shares and ratios are compared as they are;
catalogue sizes (products, brands, categories) only mean something at full scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

# Published figures of the real files (../shared/data/rees46-sample/README.md).
PUBLISHED: dict[str, dict[str, float]] = {
    "2019-Oct": {
        "rows": 42_448_764,
        "users": 3_022_290,
        "sessions": 9_244_422,
        "products": 166_794,
        "category_ids": 624,
        "category_codes": 127,
        "brands": 3_446,
        "view_share": 0.9607,
        "cart_share": 0.0218,
        "purchase_share": 0.0175,
        "empty_category_code_share": 0.3184,
        "empty_brand_share": 0.1440,
        "mean_price": 290.32,
        "purchasing_user_share": 0.115,
    },
    "2019-Nov": {
        "rows": 67_501_979,
        "users": 3_696_117,
        "sessions": 13_776_050,
        "products": 190_662,
        "category_ids": 684,
        "brands": 4_200,
        "view_share": 63_556_110 / 67_501_979,
        "cart_share": 3_028_930 / 67_501_979,
        "purchase_share": 916_939 / 67_501_979,
        "empty_category_code_share": 0.324,
        "empty_brand_share": 0.137,
        "duplicate_share": 0.0015,
        "purchasing_user_share": 0.1195,
    },
}
SCALED = {"rows", "users", "sessions"}
CATALOGUE = {"products", "category_ids", "category_codes", "brands"}


@dataclass(frozen=True)
class Comparison:
    month: str
    figure: str
    measured: float
    target: float

    @property
    def ratio(self) -> float:
        return self.measured / self.target if self.target else float("nan")


def measure(path: Path) -> dict[str, float]:
    """The published figures, measured on one month file (streaming, any size)."""
    lf = pl.scan_csv(path, schema_overrides={"category_id": pl.Int64, "price": pl.Float64})
    stats = lf.select(
        rows=pl.len(),
        users=pl.col("user_id").n_unique(),
        sessions=pl.col("user_session").n_unique(),
        products=pl.col("product_id").n_unique(),
        category_ids=pl.col("category_id").n_unique(),
        category_codes=pl.col("category_code").drop_nulls().n_unique(),
        brands=pl.col("brand").drop_nulls().n_unique(),
        view_share=(pl.col("event_type") == "view").mean(),
        cart_share=(pl.col("event_type") == "cart").mean(),
        purchase_share=(pl.col("event_type") == "purchase").mean(),
        empty_category_code_share=pl.col("category_code").is_null().mean(),
        empty_brand_share=pl.col("brand").is_null().mean(),
        mean_price=pl.col("price").mean(),
        purchasing_user_share=pl.col("user_id").filter(pl.col("event_type") == "purchase").n_unique()
        / pl.col("user_id").n_unique(),
    ).collect()
    duplicates = lf.select(pl.len() - pl.struct(pl.all()).n_unique()).collect().item()
    out = {k: float(v) for k, v in stats.row(0, named=True).items()}
    out["duplicate_share"] = duplicates / out["rows"] if out["rows"] else 0.0
    return out


def compare(month: str, measured: dict[str, float], scale: float) -> list[Comparison]:
    """Measured against published figures; counts scaled, catalogue sizes only at full scale."""
    rows = []
    for figure, target in PUBLISHED.get(month, {}).items():
        if figure in CATALOGUE and scale < 0.9:
            continue
        rows.append(Comparison(month, figure, measured[figure], target * (scale if figure in SCALED else 1.0)))
    return rows
