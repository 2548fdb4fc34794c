-- One row per category id: its latest code and levels, with the products and brands it holds.
with

products as (
    select * from {{ ref('dim_products') }}
),

events as (
    select * from {{ ref('stg_events') }}
),

latest_code as (
    select
        category_id,
        max_by(category_code, {{ recency_key() }}) as category_code
    from events
    group by category_id
),

per_category as (
    select
        category_id,
        count(*) as products,
        count(distinct brand) as brands,
        sum(purchases) as purchases,
        sum(revenue) as revenue
    from products
    group by category_id
),

final as (
    select
        latest_code.category_id,
        latest_code.category_code,
        split_part(latest_code.category_code, '.', 1) as category_l1,
        nullif(split_part(latest_code.category_code, '.', 2), '') as category_l2,
        nullif(split_part(latest_code.category_code, '.', 3), '') as category_l3,
        coalesce(per_category.products, 0) as products,
        coalesce(per_category.brands, 0) as brands,
        cast(coalesce(per_category.purchases, 0) as bigint) as purchases,
        cast(coalesce(per_category.revenue, 0) as decimal(18, 2)) as revenue
    from latest_code
    left join per_category on latest_code.category_id = per_category.category_id
)

select * from final
