-- One row per product: its latest category and brand, current, lowest and highest price, and
-- lifetime activity, folded from the product's rows per day and price (int_product_daily).
with

product_days as (
    select * from {{ ref('int_product_daily') }}
),

per_product as (
    select
        product_id,
        max_by(
            {{ struct_of(['category_id', 'category_code', 'category_l1', 'category_l2', 'category_l3', 'brand']) }},
            latest_key
        ) as latest,
        max_by(price, latest_key) filter (where price > 0) as current_price,
        min(price) filter (where price > 0) as min_price,
        max(price) filter (where price > 0) as max_price,
        count(distinct price) filter (where price > 0) as distinct_prices,
        min(first_seen_at) as first_seen_at,
        max(last_seen_at) as last_seen_at,
        cast(sum(views) as bigint) as views,
        cast(sum(carts) as bigint) as carts,
        cast(sum(purchases) as bigint) as purchases,
        cast(coalesce(sum(price * purchases), 0) as decimal(18, 2)) as revenue
    from product_days
    group by product_id
),

final as (
    select
        product_id,
        latest['category_id'] as category_id,
        latest['category_code'] as category_code,
        latest['category_l1'] as category_l1,
        latest['category_l2'] as category_l2,
        latest['category_l3'] as category_l3,
        latest['brand'] as brand,
        current_price,
        min_price,
        max_price,
        distinct_prices,
        first_seen_at,
        last_seen_at,
        views,
        carts,
        purchases,
        revenue
    from per_product
)

select * from final
