{{ config(**incremental_partitions('sales_date', 'fct_purchases')) }}
-- Daily sales per category path (level 1 > 2 > 3), for the dashboard's drill-down. Missing
-- levels are '(none)' and products without a category code are under 'unknown', so the three
-- levels always form a key and sums over any level add up to sales_daily.
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
        cast(sum(price) as decimal(18, 2)) as revenue,
        count(*) as units,
        count(distinct session_id) as orders,
        count(distinct user_id) as buyers
    from purchases
    group by
        purchase_date,
        coalesce(category_l1, 'unknown'),
        coalesce(category_l2, '(none)'),
        coalesce(category_l3, '(none)')
),

final as (
    select * from per_day
)

select * from final
