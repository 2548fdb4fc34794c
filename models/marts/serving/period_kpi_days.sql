-- The additive pieces of the dashboard's KPIs for any period. Visitors, buyers and orders are
-- distinct within a period, so they cannot be summed from days; instead each visitor (user with a
-- session), buyer (user with a purchase) and order (session with a purchase) counts on the days it
-- was active, keyed by the day it was active before. The distinct count of a period [start, end]
-- is then the sum over its days of the rows whose previous day is null or before start: a few
-- thousand rows, whatever the number of events. Sessions, revenue and units are plain sums.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

purchases as (
    select * from {{ ref('fct_purchases') }}
),

visitor_days as (
    select
        user_id,
        session_date as activity_date,
        count(*) as sessions,
        count(*) filter (where converted) as converted_sessions
    from sessions
    group by user_id, session_date
),

buyer_days as (
    select
        user_id,
        purchase_date as activity_date,
        sum(price) as revenue,
        count(*) as units
    from purchases
    group by user_id, purchase_date
),

order_days as (
    select distinct
        session_id,
        purchase_date as activity_date
    from purchases
),

visitors as (
    select
        'visitor' as entity,
        activity_date,
        lag(activity_date) over (partition by user_id order by activity_date) as previous_date,
        sessions,
        converted_sessions,
        cast(0 as decimal(18, 2)) as revenue,
        cast(0 as bigint) as units
    from visitor_days
),

buyers as (
    select
        'buyer' as entity,
        activity_date,
        lag(activity_date) over (partition by user_id order by activity_date) as previous_date,
        cast(0 as bigint) as sessions,
        cast(0 as bigint) as converted_sessions,
        revenue,
        units
    from buyer_days
),

orders as (
    select
        'order' as entity,
        activity_date,
        lag(activity_date) over (partition by session_id order by activity_date) as previous_date,
        cast(0 as bigint) as sessions,
        cast(0 as bigint) as converted_sessions,
        cast(0 as decimal(18, 2)) as revenue,
        cast(0 as bigint) as units
    from order_days
),

entity_days as (
    select * from visitors
    union all
    select * from buyers
    union all
    select * from orders
),

final as (
    select
        entity,
        activity_date,
        previous_date,
        count(*) as entities,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(converted_sessions) as bigint) as converted_sessions,
        cast(sum(revenue) as decimal(18, 2)) as revenue,
        cast(sum(units) as bigint) as units
    from entity_days
    group by entity, activity_date, previous_date
)

select * from final
