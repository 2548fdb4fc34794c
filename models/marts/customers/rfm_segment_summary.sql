-- One row per RFM segment (all seeded segments, empty ones included): size, revenue and averages.
with

customers as (
    select * from {{ ref('customer_rfm') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

per_segment as (
    select
        segment,
        count(*) as users,
        sum(monetary) as revenue,
        -- Averages as an exact sum over a count: the same value on every engine and every run (an
        -- average of doubles depends on the summation order; one of decimals keeps a fixed
        -- number of digits on some engines).
        {{ safe_divide('sum(recency_days)', 'count(*)') }} as avg_recency_days,
        {{ safe_divide('sum(frequency)', 'count(*)') }} as avg_frequency,
        {{ safe_divide('sum(monetary)', 'count(*)') }} as avg_monetary
    from customers
    group by segment
),

totals as (
    select
        count(*) as users,
        sum(monetary) as revenue
    from customers
),

final as (
    select
        segments.segment,
        segments.priority,
        segments.description,
        segments.suggested_action,
        coalesce(per_segment.users, 0) as users,
        coalesce({{ safe_divide('per_segment.users', 'totals.users') }}, 0) as share_of_users,
        cast(coalesce(per_segment.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce({{ safe_divide('per_segment.revenue', 'totals.revenue') }}, 0) as share_of_revenue,
        cast(per_segment.avg_recency_days as double) as avg_recency_days,
        cast(per_segment.avg_frequency as double) as avg_frequency,
        cast(per_segment.avg_monetary as double) as avg_monetary
    from segments
    cross join totals
    left join per_segment on segments.segment = per_segment.segment
)

select * from final
