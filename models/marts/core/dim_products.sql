-- One row per product: its latest category and brand, current, lowest and highest price, and
-- lifetime activity. The aggregation lives in int_product_state, which a new month updates
-- without re-reading the months before it.
with

product_state as (
    select * from {{ ref('int_product_state') }}
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
        cast(len(prices) as bigint) as distinct_prices,
        first_seen_at,
        last_seen_at,
        views,
        carts,
        purchases,
        revenue
    from product_state
)

select * from final
