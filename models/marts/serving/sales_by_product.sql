-- Sales per product under its category path and brand: the drill-down's last level. Missing
-- levels are '(none)', products without a category or brand 'unknown', as in sales_by_brand.
with

purchases as (
    select * from {{ ref('fct_purchases') }}
),

final as (
    select
        coalesce(category_l1, 'unknown') as category_l1,
        coalesce(category_l2, '(none)') as category_l2,
        coalesce(category_l3, '(none)') as category_l3,
        coalesce(brand, 'unknown') as brand,
        product_id,
        cast(sum(price) as decimal(18, 2)) as revenue,
        count(distinct session_id) as orders,
        count(*) as units
    from purchases
    group by
        coalesce(category_l1, 'unknown'),
        coalesce(category_l2, '(none)'),
        coalesce(category_l3, '(none)'),
        coalesce(brand, 'unknown'),
        product_id
)

select * from final
