"""The REES46 CSV contract, defined once: columns, header, event types, time format, bronze types.

The generator writes files to this contract, the loader reads and types them by it, and the
benchmark's baselines read the same columns.
"""

from __future__ import annotations

import polars as pl

COLUMNS = ("event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id",
           "user_session")
HEADER = ",".join(COLUMNS)
EVENT_TYPES = ["view", "cart", "remove_from_cart", "purchase"]
TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
SESSION_ID_LENGTH = 36  # a UUID as text

# Why bronze holds these types (memory and size, without losing a value):
# - event_time: microsecond timestamp with time zone UTC (the source says "UTC" on every row);
# - event_type: an Enum (1 byte per row in memory, dictionary-encoded in Parquet);
# - product_id, user_id: Int32 (real ids are below 10^9); category_id: Int64 (19 digits);
# - price: Decimal(10, 2), exact cents, so revenue sums never drift;
# - category_code, brand, user_session: strings, dictionary-encoded by Parquet.
EVENT_SCHEMA: dict[str, pl.DataType] = {
    "event_time": pl.Datetime("us", "UTC"),
    "event_type": pl.Enum(EVENT_TYPES),
    "product_id": pl.Int32(),
    "category_id": pl.Int64(),
    "category_code": pl.String(),
    "brand": pl.String(),
    "price": pl.Decimal(10, 2),
    "user_id": pl.Int32(),
    "user_session": pl.String(),
}
# The integer ids, as the CSV reader may parse them itself; price is always checked as text.
ID_COLUMNS = ("product_id", "category_id", "user_id")
# A price is at most 8 digits before the point and 2 after it (Decimal(10, 2)); an optional sign,
# and leading blanks as spreadsheet exports write them. Anything else (3 decimals, an exponent)
# would be rounded or reinterpreted by a cast, so it is quarantined instead.
PRICE_PATTERN = r"^[ \t]*[+-]?(?:[0-9]{1,8}(?:\.[0-9]{0,2})?|\.[0-9]{1,2})$"
