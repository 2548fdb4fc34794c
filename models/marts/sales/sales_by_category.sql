{{ config(**incremental_by_dates('sales_date', "ref('fct_purchases')", 'purchase_date')) }}
-- Daily sales per category path (level 1 > 2 > 3), for the dashboard's drill-down. Missing
-- levels are '(none)' and products without a category code are under 'unknown', so the three
-- levels always form a key and sums over any level add up to sales_daily.
-- Incremental by purchase date, like fct_purchases, whose rows carry their load: a build
-- rebuilds the dates with purchases from a load newer than any in this table, or from one
-- fct_purchases no longer holds (changed_dates). The days fct_purchases rebuilds after those
-- only change a session id, and the orders of a day stay the same sessions.
{%- set changed = changed_dates(ref('fct_purchases'), 'sales_date', 'purchase_date') if is_incremental() else none %}
with

purchases as (
    select * from {{ ref('fct_purchases') }}
    {%- if changed is not none %}
        where {{ in_dates('purchase_date', changed) }}
    {%- endif %}
),

final as (
    select
        purchase_date as sales_date,
        coalesce(category_l1, 'unknown') as category_l1,
        coalesce(category_l2, '(none)') as category_l2,
        coalesce(category_l3, '(none)') as category_l3,
        cast(sum(price) as decimal(18, 2)) as revenue,
        count(*) as units,
        count(distinct session_id) as orders,
        count(distinct user_id) as buyers,
        max(load_id) as load_id
    from purchases
    group by
        purchase_date,
        coalesce(category_l1, 'unknown'),
        coalesce(category_l2, '(none)'),
        coalesce(category_l3, '(none)')
)

select * from final
