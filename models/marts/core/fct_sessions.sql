{{ config(**incremental_partitions('session_date', 'int_events', depends_after=var('session_lookback_days'))) }}
-- One row per repaired session. Incremental by the session's start date: a session can run past
-- midnight, so a start date depends on its events' days in int_events and the
-- session_lookback_days after it. One more day is read before the
-- rebuilt dates, so a session that started even earlier keeps its true start date and is left
-- alone instead of being re-inserted under a later date.
{%- set rebuilt = partitions_to_rebuild() %}
{%- if rebuilt is not none %}
    {%- set read_dates = date_window(rebuilt, days_before=1, days_after=var('session_lookback_days')) %}
{%- endif %}
with

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', read_dates) }}
    {%- endif %}
),

per_session as (
    -- Grouped on the two numbers only: the raw session text rides along (any_value; one raw id
    -- per session by construction) instead of being a grouping key, which at full scale turns
    -- this model from seconds into minutes of spilling. The distinct count of products stays a
    -- distinct aggregate: the alternatives measured were slower (docs/architecture.md).
    select
        session_id,
        user_id,
        any_value(user_session) as user_session,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as events,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'remove_from_cart') as removals,
        count(*) filter (where event_type = 'purchase') as purchases,
        sum(price) filter (where event_type = 'purchase') as revenue,
        count(distinct product_id) as products
    from events
    group by session_id, user_id
),

final as (
    select
        per_session.session_id,
        per_session.user_id,
        per_session.user_session,
        cast(per_session.started_at as date) as session_date,
        per_session.started_at,
        per_session.ended_at,
        cast(
            {{ dbt.datediff('per_session.started_at', 'per_session.ended_at', 'second') }}
            as bigint
        ) as duration_seconds,
        per_session.events,
        per_session.views,
        per_session.carts,
        per_session.removals,
        per_session.purchases,
        cast(coalesce(per_session.revenue, 0) as decimal(18, 2)) as revenue,
        per_session.products,
        per_session.views > 0 as has_view,
        per_session.carts > 0 as has_cart,
        per_session.purchases > 0 as converted
    from per_session
    {%- if rebuilt is not none %}
        where {{ in_dates('cast(per_session.started_at as date)', rebuilt) }}
    {%- endif %}
)

select * from final
