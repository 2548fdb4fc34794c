"""The two ways a CSV file becomes typed bronze rows, with one set of checks.

``csv_plan``: Polars' CSV reader splits the fields and parses the ids itself: the fast way, for
files without a bad line. ``lines_plan``: each line read as raw text and split here, so that a
line with the wrong number of fields, bad bytes or an unparsable value is quarantined with its
raw text, line number and a reason. Both type and check values with the same rules, so a clean
file lands the same rows either way. With ``quoted`` both follow RFC 4180: a field may be
enclosed in double quotes (then it may hold commas, and a doubled quote stands for one).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ecom.contract import COLUMNS, EVENT_TYPES, ID_COLUMNS, PRICE_PATTERN, SESSION_ID_LENGTH, TIME_FORMAT

# The line splitter uses a byte that never occurs in the data as the "separator".
LINE_SEPARATOR = "\x1f"
ID_TYPES: dict[str, pl.DataType] = {"product_id": pl.Int32(), "category_id": pl.Int64(), "user_id": pl.Int32()}
# One field of a quoted line, with the comma before it: a quoted field, an unquoted one (which
# may hold a quote after its first character, as lenient readers allow), or an empty one. The
# line gets a leading comma so that every field has one.
QUOTED_FIELD = r',(?:"(?:[^"]|"")*"|[^",][^,]*|)'

# Rejected lines, as bronze/quarantine holds them (an empty file when a source had none).
QUARANTINE_SCHEMA = {
    "source_file": pl.String(),
    "load_id": pl.String(),
    "line_number": pl.Int64(),
    "raw_line": pl.String(),
    "reason": pl.String(),
}

REASONS = (
    "blank_line",
    "invalid_utf8",
    "invalid_text",
    "bad_quoting",
    "wrong_column_count",
    "bad_event_time",
    "unknown_event_type",
    "bad_product_id",
    "bad_category_id",
    "bad_price",
    "negative_price",
    "bad_user_id",
    "bad_user_session",
)


def _typed(fields: pl.LazyFrame, *, ids_typed: bool) -> pl.LazyFrame:
    """The string fields ``s_<column>`` typed as bronze columns: null where a value does not parse.

    With ``ids_typed`` the reader has already typed the id columns (named as in bronze). A price
    is cast only when its text has at most two decimals and no exponent (``PRICE_PATTERN``). The
    CSV reader's way skips stripping leading blanks from prices (a few percent of the load): a
    price written so fails there, and the file is read line by line, where it lands.
    """
    s = {c: pl.col(f"s_{c}") for c in COLUMNS}
    ids = [] if ids_typed else [
        s[c].str.strip_chars_start(" \t").cast(dtype, strict=False).alias(c) for c, dtype in ID_TYPES.items()
    ]
    price_text = s["price"] if ids_typed else s["price"].str.strip_chars_start(" \t")
    return fields.with_columns(
        s["event_time"].str.strptime(pl.Datetime("us", "UTC"), TIME_FORMAT, strict=False).alias("event_time"),
        s["event_type"].cast(pl.Enum(EVENT_TYPES), strict=False).alias("event_type"),
        pl.when(s["price"].str.contains(PRICE_PATTERN))
        .then(price_text.cast(pl.Decimal(10, 2), strict=False))
        .alias("price"),
        *ids,
    )


def _first_reason(checks: list[tuple[pl.Expr, str]]) -> pl.Expr:
    """The reason of the first check that holds, or null: one when/then chain."""
    (condition, reason), *rest = checks
    chain = pl.when(condition).then(pl.lit(reason))
    for condition, reason in rest:
        chain = chain.when(condition).then(pl.lit(reason))
    return chain


def _value_checks() -> list[tuple[pl.Expr, str]]:
    """Checks on the typed values, in the order their reasons are reported. Ids are positive in
    the real data: a zero or negative one is a corrupted value, not a product or a shopper."""
    session = pl.col("s_user_session")
    return [
        (pl.col("event_time").is_null(), "bad_event_time"),
        (pl.col("event_type").is_null(), "unknown_event_type"),
        (pl.col("product_id").is_null() | (pl.col("product_id") <= 0), "bad_product_id"),
        (pl.col("category_id").is_null() | (pl.col("category_id") <= 0), "bad_category_id"),
        (pl.col("price").is_null(), "bad_price"),
        (pl.col("price") < 0, "negative_price"),
        (pl.col("user_id").is_null() | (pl.col("user_id") <= 0), "bad_user_id"),
        ((session != "") & (session.str.len_bytes() != SESSION_ID_LENGTH), "bad_user_session"),
    ]


def _good_rows(checked: pl.LazyFrame, source_file: str, load_id: str) -> pl.LazyFrame:
    """The rows without a reason, as bronze columns plus lineage and the partition key."""

    def empty_is_null(c: str) -> pl.Expr:
        return pl.when(pl.col(f"s_{c}") != "").then(pl.col(f"s_{c}"))

    return checked.filter(pl.col("reason").is_null()).select(
        "event_time", "event_type", "product_id", "category_id",
        category_code=empty_is_null("category_code"),
        brand=empty_is_null("brand"),
        price="price",
        user_id="user_id",
        user_session=empty_is_null("user_session"),
        source_file=pl.lit(source_file, dtype=pl.Categorical),
        load_id=pl.lit(load_id, dtype=pl.Categorical),
        event_date=pl.col("event_time").dt.date(),
    )


def csv_plan(path: Path, source_file: str, load_id: str, *, quoted: bool = False) -> pl.LazyFrame:
    """The typed rows of one CSV file that pass every check, split by Polars' CSV reader.

    The fast way, for files without a bad line: the reader splits each line into nine fields,
    parses the ids and checks the text is UTF-8 itself; the plan types and checks the rest with
    the same rules as ``lines_plan``. What it cannot do is quarantine a bad line with its raw
    text: a line with too many fields, an id that does not parse or bytes that are not UTF-8
    fail the read, and a line with too few fields gets empty ones. So the loader keeps this
    plan's output only when the read did not fail, every line became a row that passed, and the
    file's counts prove every line had nine fields (``ecom.ingest.scan``). Rows that fail a
    check are dropped here, not written: the count of rows written against the count of lines
    is what says whether any did.
    """
    fields = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        quote_char='"' if quoted else None,
        schema={c: ID_TYPES.get(c, pl.String()) for c in COLUMNS},
        encoding="utf8",
    ).rename({c: f"s_{c}" for c in COLUMNS if c not in ID_COLUMNS})
    checked = _typed(fields, ids_typed=True).with_columns(reason=_first_reason(_value_checks()))
    return _good_rows(checked, source_file, load_id)


def _split_plain(raw: pl.LazyFrame) -> pl.LazyFrame:
    """The nine fields of unquoted lines, plus ``wrong_count`` and ``bad_quoting`` (never).

    Split into one field more than the schema has: the last is null unless the line has too many
    commas, and user_session is null when it has too few; one pass does the split and the count.
    """
    fields = raw.with_columns(parts=pl.col("raw_line").str.split_exact(",", len(COLUMNS))).unnest("parts")
    fields = fields.rename({f"field_{i}": f"s_{c}" for i, c in enumerate(COLUMNS)} | {f"field_{len(COLUMNS)}": "s_extra"})
    return fields.with_columns(
        wrong_count=pl.col("s_user_session").is_null() | pl.col("s_extra").is_not_null(),
        bad_quoting=pl.lit(False),
    )


def _split_quoted(raw: pl.LazyFrame) -> pl.LazyFrame:
    """The nine fields of RFC 4180 lines, plus ``wrong_count`` and ``bad_quoting``: the fields
    found do not cover the whole line (a quote closed before the end of its field, or never)."""
    line = pl.col("raw_line")
    with_found = raw.with_columns(found=(pl.lit(",") + line).str.extract_all(QUOTED_FIELD))
    found = pl.col("found")
    fields = []
    for i, c in enumerate(COLUMNS):
        text = found.list.get(i, null_on_oob=True).str.slice(1)
        unquoted = text.str.slice(1, text.str.len_chars() - 2).str.replace_all('""', '"', literal=True)
        fields.append(pl.when(text.str.starts_with('"')).then(unquoted).otherwise(text).alias(f"s_{c}"))
    covered = found.list.eval(pl.element().str.len_bytes()).list.sum()
    return with_found.with_columns(
        *fields,
        wrong_count=found.list.len() != len(COLUMNS),
        bad_quoting=covered != line.str.len_bytes() + 1,
    )


def lines_plan(path: Path, source_file: str, load_id: str, *, quoted: bool = False) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """(typed rows, quarantined rows) of one CSV file, each line read as raw text and split here."""
    raw = pl.scan_csv(
        path,
        has_header=False,
        skip_rows=1,
        separator=LINE_SEPARATOR,
        quote_char=None,
        schema={"raw_line": pl.String},
        encoding="utf8-lossy",
        row_index_name="line_number",
        row_index_offset=2,
    )
    line = pl.col("raw_line")
    fields = _split_quoted(raw) if quoted else _split_plain(raw)
    reason = _first_reason([
        (line.is_null(), "blank_line"),
        (line.str.contains("\ufffd", literal=True), "invalid_utf8"),
        (line.str.contains("\x00", literal=True), "invalid_text"),
        (pl.col("bad_quoting"), "bad_quoting"),
        (pl.col("wrong_count"), "wrong_column_count"),
        *_value_checks(),
    ])
    checked = _typed(fields, ids_typed=False).with_columns(reason=reason)
    bad = checked.filter(pl.col("reason").is_not_null()).select(
        pl.lit(source_file).alias("source_file"),
        pl.lit(load_id).alias("load_id"),
        pl.col("line_number").cast(pl.Int64),
        "raw_line",
        "reason",
    )
    return _good_rows(checked, source_file, load_id), bad
