{{ config(**incremental_partitions('sales_date', 'fct_purchases')) }}
-- Daily sales per category path and brand: the drill-down's last aggregated level before
-- single products. Products without a brand are under 'unknown'.
-- Incremental by purchase date: a day depends on its own purchases only (the later days whose
-- purchases fct_purchases rebuilds change only a session id, and the orders of a day stay the
-- same sessions).
{%- set rebuilt = partitions_to_rebuild() %}
with

purchases as (
    select * from {{ ref('fct_purchases') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('purchase_date', rebuilt) }}
    {%- endif %}
),

per_day as (
    select
        purchase_date as sales_date,
        coalesce(category_l1, 'unknown') as category_l1,
        coalesce(category_l2, '(none)') as category_l2,
        coalesce(category_l3, '(none)') as category_l3,
        coalesce(brand, 'unknown') as brand,
        cast(sum(price) as decimal(18, 2)) as revenue,
        count(*) as units,
        count(distinct session_id) as orders,
        count(distinct user_id) as buyers,
        count(distinct product_id) as products
    from purchases
    group by
        purchase_date,
        coalesce(category_l1, 'unknown'),
        coalesce(category_l2, '(none)'),
        coalesce(category_l3, '(none)'),
        coalesce(brand, 'unknown')
),

final as (
    select * from per_day
)

select * from final
