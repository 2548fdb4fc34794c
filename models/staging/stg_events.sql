{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='fail',
        pre_hook="{{ delete_replaced_loads(source('bronze', 'events')) }}",
    )
}}
-- One row per valid, unique event: typed, text normalised, exact duplicates removed, sessions
-- repaired. Incremental by event date: a run rebuilds only the dates that received a new load.
{%- set target_dates = new_load_dates(source('bronze', 'events')) if is_incremental() else none %}
{#- A session can start the day before: read that day too, as context for session starts. #}
{%- set read_dates = date_window(target_dates, days_before=var('session_lookback_days'))
    if target_dates is not none else none %}
with

source as (
    select * from {{ source('bronze', 'events') }}
    {%- if read_dates is not none %}
        where {{ in_dates('event_date', read_dates) }}
    {%- endif %}
),

renamed as (
    select
        {{ utc_timestamp('event_time') }} as event_at,
        cast(event_type as varchar) as event_type,
        product_id,
        category_id,
        nullif(lower(trim(category_code)), '') as category_code,
        nullif(lower(trim(brand)), '') as brand,
        price,
        user_id,
        nullif(user_session, '') as user_session,
        cast(source_file as varchar) as source_file,
        cast(load_id as varchar) as load_id
    from source
),

valid as (
    select *
    from renamed
    where {{ invalid_event_reason() }} is null
),

deduplicated as (
    -- Exact duplicate rows (equal in every source column) are kept once. A copy delivered in a
    -- second file is attributed to the first file name (see audit_bronze_to_silver).
    select
        event_at,
        event_type,
        product_id,
        category_id,
        category_code,
        brand,
        price,
        user_id,
        user_session,
        min(source_file) as source_file,
        max(load_id) as load_id,
        count(*) as copies
    from valid
    group by all
),

keyed as (
    select
        *,
        md5(
            concat_ws(
                '|',
                cast(event_at as varchar),
                event_type,
                cast(product_id as varchar),
                cast(user_id as varchar),
                coalesce(user_session, ''),
                cast(price as varchar),
                cast(category_id as varchar),
                coalesce(category_code, ''),
                coalesce(brand, '')
            )
        ) as event_key
    from deduplicated
),

gaps as (
    -- Session repair: the raw id is split per user (a few ids are shared by two users) and
    -- wherever the user was idle longer than session_timeout_minutes (ids are reused).
    -- Ordering by time alone is deterministic: among events at the same instant, whichever
    -- comes first carries the gap, and all of them get the same session start (a range frame
    -- includes the peers). A tie-breaker column would only make the sort slower.
    select
        *,
        lag(event_at) over (
            partition by user_id, user_session
            order by event_at
        ) as previous_event_at
    from keyed
),

session_starts as (
    select
        *,
        case
            when previous_event_at is null then event_at
            when
                event_at > {{ dbt.dateadd('minute', var('session_timeout_minutes'), 'previous_event_at') }}
                then event_at
        end as started_at
    from gaps
),

sessionised as (
    select
        *,
        max(started_at) over (
            partition by user_id, user_session
            order by event_at
            range between unbounded preceding and current row
        ) as session_started_at
    from session_starts
),

final as (
    select
        event_key,
        md5(
            concat_ws(
                '|',
                cast(user_id as varchar),
                coalesce(user_session, ''),
                cast(session_started_at as varchar)
            )
        ) as session_id,
        event_at,
        cast(event_at as date) as event_date,
        cast(extract(hour from event_at) as integer) as event_hour,
        cast(extract(isodow from event_at) as integer) as iso_weekday,
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
        copies - 1 as duplicates_removed
    from sessionised
    {%- if target_dates is not none %}
        where {{ in_dates('cast(event_at as date)', target_dates) }}
    {%- endif %}
)

select * from final
