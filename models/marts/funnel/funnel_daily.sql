{{ config(**incremental_partitions('session_date', 'fct_sessions')) }}
-- The view -> cart -> purchase funnel per day, counted in sessions (a session counts once per
-- step however many events it has), so every rate is between 0 and 1. Counting events instead
-- gives cart -> purchase above 100% (one cart, several purchases; purchases without a cart).
-- Incremental by session start date: a day depends on its sessions in fct_sessions.
{%- set rebuilt = partitions_to_rebuild() %}
with

sessions as (
    select * from {{ ref('fct_sessions') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('session_date', rebuilt) }}
    {%- endif %}
),

per_day as (
    select
        session_date,
        {{ funnel_step_counts('converted') }}
    from sessions
    group by session_date
),

final as (
    select
        session_date,
        sessions,
        view_sessions,
        cart_sessions,
        purchase_sessions,
        view_cart_sessions,
        cart_purchase_sessions,
        purchase_without_cart_sessions,
        {{ funnel_rates() }},
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate
    from per_day
)

select * from final
