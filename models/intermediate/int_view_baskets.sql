{{ config(**incremental_partitions('session_date', 'int_events', depends_after=var('session_lookback_days'))) }}
-- One row per distinct product viewed in a session, for sessions that viewed at least 2 and at
-- most also_viewed_max_products products (longer ones are crawlers or endless scrolling: their
-- pairs grow quadratically and say little about what belongs together). Incremental by the
-- session's start date, like fct_sessions; every event carries its session's start
-- (int_events), so reading the days those sessions can span is enough.
{%- set rebuilt = partitions_to_rebuild() %}
with

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ session_events_filter(rebuilt) }}
    {%- endif %}
),

viewed as (
    -- The start date is a grouping key, not an aggregate: one value per session, so it adds no
    -- rows, and a new month rebuilds only its own sessions.
    select distinct
        session_id as basket_id,
        product_id,
        cast(session_started_at as date) as session_date
    from events
    where event_type = 'view'
),

final as (
    select
        basket_id,
        product_id,
        session_date
    from viewed
    qualify count(*) over (partition by basket_id) between 2 and {{ var('also_viewed_max_products') }}
)

select * from final
