-- One row per product: its latest category and brand, current, lowest and highest price, and
-- lifetime activity. "Latest" orders by event time, then event key, so ties are deterministic.
with

events as (
    select * from {{ ref('stg_events') }}
),

ordered as (
    select
        *,
        {{ recency_key() }} as recency_key
    from events
),

per_product as (
    select
        product_id,
        max_by(category_id, recency_key) as category_id,
        max_by(category_code, recency_key) as category_code,
        max_by(category_l1, recency_key) as category_l1,
        max_by(category_l2, recency_key) as category_l2,
        max_by(category_l3, recency_key) as category_l3,
        max_by(brand, recency_key) as brand,
        max_by(price, recency_key) filter (where price > 0) as current_price,
        min(price) filter (where price > 0) as min_price,
        max(price) filter (where price > 0) as max_price,
        count(distinct price) filter (where price > 0) as distinct_prices,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchases,
        sum(price) filter (where event_type = 'purchase') as revenue
    from ordered
    group by product_id
),

final as (
    select
        product_id,
        category_id,
        category_code,
        category_l1,
        category_l2,
        category_l3,
        brand,
        current_price,
        min_price,
        max_price,
        distinct_prices,
        first_seen_at,
        last_seen_at,
        views,
        carts,
        purchases,
        cast(coalesce(revenue, 0) as decimal(18, 2)) as revenue
    from per_product
)

select * from final
