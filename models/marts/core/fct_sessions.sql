{{ config(**incremental_by_dates('session_date', "ref('stg_events')", rule='sessions', lineage='dates')) }}
-- One row per repaired session. Incremental by the session's start date: changed event dates
-- rebuild their sessions, the day before's and the day after's (a session can run past
-- midnight: rebuilt_session_dates). One more day is read before those, so a session that
-- started even earlier keeps its true start date and is left alone instead of being
-- re-inserted under a later date.
{%- set changed = changed_dates(ref('stg_events'), 'session_date') if is_incremental() else none %}
{%- if changed is not none %}
    {%- set read_dates = date_window(
        rebuilt_session_dates(changed), days_before=1, days_after=var('session_lookback_days')
    ) %}
{%- endif %}
with

events as (
    select * from {{ ref('stg_events') }}
    {%- if changed is not none %}
        where {{ in_dates('event_date', read_dates) }}
    {%- endif %}
),

date_loads as (
    -- Every load of each session start date, joined after the aggregation: a per-session
    -- max over the text load id cost 8% of the model (alone on 108M events: 66.5-67.7 s against
    -- 58.9-63.7 s). A session whose start date's loads change is rebuilt with that date
    -- (changed_dates), even when its later events came in another load.
    {{ session_date_loads(ref('stg_events'), changed) }}
),

per_session as (
    -- Grouped on the two numbers only: the raw session text rides along (any_value; one raw id
    -- per session by construction) instead of being a grouping key, which at 100M events
    -- turned this model from seconds into minutes of spilling. The distinct count stays: folding
    -- events per (session, product) first and counting those rows took 2.4x the time at twice
    -- the memory (13.0-13.3 s against 5.5-5.7 s, 4.4 GB against 2.2 GB, 16M events). For it,
    -- DuckDB splits the aggregation in two and keeps a copy of the events for the halves. Alone
    -- at 108M events, into a table, this took 40.5-41.8 s; none of these beat it: the distinct
    -- count in an aggregation of its own, joined back (no copy; 41.0 s), DuckDB's
    -- distinct_aggregate_rewrite disabled (70.4 s), len(list_distinct(list(product_id)))
    -- (44.2 s), the event types as flags before the aggregation (39.6 s, within the spread).
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
        per_session.purchases > 0 as converted,
        date_loads.load_ids
    from per_session
    -- Inner: in an incremental build date_loads holds only the rebuilt session dates, so the
    -- join also keeps just those sessions.
    inner join date_loads on cast(per_session.started_at as date) = date_loads.event_date
)

select * from final
