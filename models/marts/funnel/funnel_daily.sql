{{ config(**incremental_by_dates('session_date', "ref('stg_events')", rule='sessions', lineage='dates')) }}
-- The view -> cart -> purchase funnel per day, counted in sessions (a session counts once per
-- step however many events it has), so every rate is between 0 and 1. Counting events instead
-- gives cart -> purchase above 100% (one cart, several purchases; purchases without a cart).
-- Incremental by session start date, with the rule of fct_sessions (the changed dates, the day
-- before and the day after).
{%- set changed = changed_dates(ref('stg_events'), 'session_date') if is_incremental() else none %}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
    {%- if changed is not none %}
        where {{ in_dates('session_date', rebuilt_session_dates(changed)) }}
    {%- endif %}
),

date_loads as (
    -- Every load of each session start date: the lineage the incremental rules need.
    {{ session_date_loads(ref('stg_events'), changed) }}
),

per_day as (
    select
        session_date,
        {{ funnel_step_counts('converted') }}
    from sessions
    group by session_date
),

dated as (
    select
        per_day.*,
        date_loads.load_ids
    from per_day
    inner join date_loads on per_day.session_date = date_loads.event_date
),

final as (
    select
        session_date,
        sessions,
        view_sessions,
        cart_sessions,
        purchase_sessions,
        cart_purchase_sessions,
        purchase_without_cart_sessions,
        {{ funnel_rates() }},
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate,
        load_ids
    from dated
)

select * from final
