-- One row: the dashboard's all-time totals (events, users, sessions, buyers, revenue).
with

users as (
    select * from {{ ref('dim_users') }}
),

final as (
    select
        cast(coalesce(sum(events), 0) as bigint) as events,
        count(*) as users,
        cast(coalesce(sum(sessions), 0) as bigint) as sessions,
        count(*) filter (where is_buyer) as buyers,
        cast(coalesce(sum(revenue), 0) as decimal(18, 2)) as revenue
    from users
)

select * from final
