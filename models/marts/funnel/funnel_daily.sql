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
        count(*) as sessions,
        count(*) filter (where has_view) as view_sessions,
        count(*) filter (where has_cart) as cart_sessions,
        count(*) filter (where converted) as purchase_sessions,
        count(*) filter (where has_view and has_cart) as view_cart_sessions,
        count(*) filter (where has_cart and converted) as cart_purchase_sessions,
        count(*) filter (where converted and not has_cart) as purchase_without_cart_sessions
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
        {{ safe_divide('view_cart_sessions', 'view_sessions') }} as view_to_cart_rate,
        {{ safe_divide('cart_purchase_sessions', 'cart_sessions') }} as cart_to_purchase_rate,
        {{ safe_divide('purchase_sessions', 'view_sessions') }} as view_to_purchase_rate,
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate
    from per_day
)

select * from final
