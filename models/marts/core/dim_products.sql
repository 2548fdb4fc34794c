-- One row per product: its latest category and brand, current, lowest and highest price, and
-- lifetime activity, folded from the product's rows per day and price (int_product_daily).
with

product_days as (
    select * from {{ ref('int_product_daily') }}
),

final as (
    select
        product_id,
        max_by(category_id, latest_key) as category_id,
        max_by(category_code, latest_key) as category_code,
        max_by(category_l1, latest_key) as category_l1,
        max_by(category_l2, latest_key) as category_l2,
        max_by(category_l3, latest_key) as category_l3,
        max_by(brand, latest_key) as brand,
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
)

select * from final
