-- One row per user who generated at least one silver event, with lifetime activity.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

per_user as (
    select
        user_id,
        min(started_at) as first_seen_at,
        max(ended_at) as last_seen_at,
        count(*) as sessions,
        sum(events) as events,
        sum(views) as views,
        sum(carts) as carts,
        sum(purchases) as purchases,
        count(*) filter (where converted) as purchase_sessions,
        sum(revenue) as revenue,
        min(started_at) filter (where converted) as first_purchase_at,
        max(ended_at) filter (where converted) as last_purchase_at
    from sessions
    group by user_id
),

final as (
    select
        user_id,
        first_seen_at,
        last_seen_at,
        cast(date_trunc('week', first_seen_at) as date) as cohort_week,
        sessions,
        cast(events as bigint) as events,
        cast(views as bigint) as views,
        cast(carts as bigint) as carts,
        cast(purchases as bigint) as purchases,
        purchase_sessions,
        cast(revenue as decimal(18, 2)) as revenue,
        first_purchase_at,
        last_purchase_at,
        purchase_sessions > 0 as is_buyer
    from per_user
)

select * from final
