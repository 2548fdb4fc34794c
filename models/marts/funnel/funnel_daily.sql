-- The view -> cart -> purchase funnel per day, counted in sessions (a session counts once per
-- step however many events it has), so every rate is between 0 and 1. Counting events instead
-- gives cart -> purchase above 100% (one cart, several purchases; purchases without a cart).
with

sessions as (
    select * from {{ ref('fct_sessions') }}
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
        cart_purchase_sessions,
        purchase_without_cart_sessions,
        {{ funnel_rates() }},
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate
    from per_day
)

select * from final
