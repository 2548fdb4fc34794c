{{ config(**incremental_partitions('event_date', 'stg_events', depends_before=var('session_lookback_days'))) }}
-- One row per valid, unique event: exact duplicates removed, sessions repaired. Incremental by
-- event date (incremental_partitions): a date depends on its own bronze rows and on the
-- session_lookback_days before it, whose sessions can continue into it, so those days are read
-- as context.
{%- set rebuilt = partitions_to_rebuild() %}
{%- set read_dates = date_window(rebuilt, days_before=var('session_lookback_days')) if rebuilt is not none else none %}
with

valid as {{ cte_materialization('not materialized') }} (
    -- The wide CTEs are not materialized: each consumer streams bronze again. Left to itself,
    -- DuckDB kept whole copies of them, which at full scale spilled tens of GB; only the small
    -- set of repeated keys is worth materialising.
    select * from {{ ref('stg_events') }}
    where invalid_reason is null
    {%- if read_dates is not none %}
        and {{ in_dates('event_date', read_dates) }}
    {%- endif %}
),

hashed as {{ cte_materialization('not materialized') }} (
    -- A 64-bit hash of every source column: the event key, and the cheap first pass of the
    -- deduplication below.
    select
        *,
        {{ row_hash(['event_at', 'event_type', 'product_id', 'category_id', 'category_code', 'brand', 'price',
                     'user_id', 'user_session']) }} as event_key
    from valid
),

repeated_keys as {{ cte_materialization('materialized') }} (
    select event_key
    from hashed
    group by event_key
    having count(*) > 1
),

single_rows as {{ cte_materialization('not materialized') }} (
    -- A key seen once is a row seen once: most rows skip the wide grouping below, which
    -- would carry every text column through a hash table (the costliest step at full scale).
    select
        hashed.event_at,
        hashed.event_type,
        hashed.product_id,
        hashed.category_id,
        hashed.category_code,
        hashed.brand,
        hashed.price,
        hashed.user_id,
        hashed.user_session,
        hashed.source_file,
        hashed.load_id,
        hashed.event_key,
        1 as copies,
        {{ null_text_list() }} as duplicate_files
    from hashed
    {{ join_kind('anti') }} repeated_keys on hashed.event_key = repeated_keys.event_key
),

repeated_rows as {{ cte_materialization('not materialized') }} (
    -- Exact duplicates (equal in every source column after normalisation) are kept once;
    -- grouping on the columns, not on the hash, keeps two different rows that happen to share a
    -- hash apart. The copy from the first file name (and its load) is kept; duplicate_files
    -- lists the file of every removed copy, so the audit reconciles each file on its own.
    select
        hashed.event_at,
        hashed.event_type,
        hashed.product_id,
        hashed.category_id,
        hashed.category_code,
        hashed.brand,
        hashed.price,
        hashed.user_id,
        hashed.user_session,
        min(hashed.source_file) as source_file,
        min_by(hashed.load_id, hashed.source_file) as load_id,
        hashed.event_key,
        count(*) as copies,
        {{ sorted_list_after_first('hashed.source_file') }} as duplicate_files
    from hashed
    {{ join_kind('semi') }} repeated_keys on hashed.event_key = repeated_keys.event_key
    group by all
),

deduplicated as {{ cte_materialization('not materialized') }} (
    -- The two select the same columns in the same order.
    select * from single_rows
    union all
    select * from repeated_rows
),

session_times as (
    -- Session repair: the raw id is split per user (a few ids are shared by two users) and
    -- wherever the user was idle longer than session_timeout_minutes (ids are reused). The
    -- gaps are found on narrow rows (user, raw id, time), not on every column: sorting those
    -- for the window is several times cheaper. The raw id is keyed by its 64-bit hash within
    -- the user. Events at the same instant need no tie-break: the second of them is 0 minutes
    -- after the first, so only one of them can start a session.
    -- From the deduplicated rows: the valid rows would give the same sessions (a duplicate is
    -- 0 minutes after its original) but cost far more memory in an incremental month.
    select
        user_id,
        {{ row_hash(['user_session']) }} as session_key,
        event_at
    from deduplicated
),

gaps as (
    select
        *,
        lag(event_at) over (
            partition by user_id, session_key
            order by event_at
        ) as previous_event_at
    from session_times
),

session_starts as (
    select
        user_id,
        session_key,
        event_at as session_started_at
    from gaps
    where
        previous_event_at is null
        or event_at > {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'previous_event_at') }}
),

session_spans as (
    -- One row per repaired session: from its start to the next start under the same raw id.
    -- The events are joined to these spans, about a quarter as many rows as events, instead of
    -- a start being carried to every event by a second window and joined back (a fifth faster
    -- and a quarter less memory; docs/architecture.md).
    select
        user_id,
        session_key,
        session_started_at,
        coalesce(
            lead(session_started_at) over (
                partition by user_id, session_key
                order by session_started_at
            ),
            cast('9999-12-31 00:00:00' as timestamp)
        ) as next_session_started_at
    from session_starts
),

sessionised as (
    select
        deduplicated.*,
        session_spans.session_started_at
    from deduplicated
    inner join session_spans
        on
            deduplicated.user_id = session_spans.user_id
            and {{ row_hash(['deduplicated.user_session']) }} = session_spans.session_key
            and deduplicated.event_at >= session_spans.session_started_at
            and deduplicated.event_at < session_spans.next_session_started_at
),

final as (
    select
        event_key,
        {{ row_hash(['user_id', 'user_session', 'session_started_at']) }} as session_id,
        event_at,
        cast(event_at as date) as event_date,
        cast(extract(hour from event_at) as integer) as event_hour,
        cast({{ iso_date_part('weekday', 'event_at') }} as integer) as iso_weekday,
        cast(date_trunc('week', event_at) as date) as event_week,
        cast(date_trunc('month', event_at) as date) as event_month,
        event_type,
        product_id,
        category_id,
        category_code,
        split_part(category_code, '.', 1) as category_l1,
        nullif(split_part(category_code, '.', 2), '') as category_l2,
        nullif(split_part(category_code, '.', 3), '') as category_l3,
        brand,
        price,
        user_id,
        user_session,
        session_started_at,
        source_file,
        load_id,
        copies - 1 as duplicates_removed,
        duplicate_files
    from sessionised
    {%- if rebuilt is not none %}
        where {{ in_dates('cast(event_at as date)', rebuilt) }}
    {%- endif %}
)

select * from final
