{{ config(**incremental_by_dates('sales_date', "ref('fct_purchases')", 'purchase_date', lineage='dates')) }}
-- Daily sales per category path and brand: the drill-down's last aggregated level before
-- single products. Products without a brand are under 'unknown'.
-- Incremental by purchase date, like fct_purchases, whose rows carry their load: each row keeps
-- the loads of its day's purchases, and a build rebuilds the dates whose loads in fct_purchases
-- changed (changed_dates). The days fct_purchases rebuilds after those only change a session
-- id, and the orders of a day stay the same sessions.
{%- set changed = changed_dates(ref('fct_purchases'), 'sales_date', 'purchase_date') if is_incremental() else none %}
with

purchases as (
    select * from {{ ref('fct_purchases') }}
    {%- if changed is not none %}
        where {{ in_dates('purchase_date', changed) }}
    {%- endif %}
),

date_loads as (
    -- Every load of each purchase date: the lineage the incremental rules need.
    {{ date_load_rows(ref('fct_purchases'), 'purchase_date', changed) }}
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
    select
        per_day.*,
        date_loads.load_ids
    from per_day
    inner join date_loads on per_day.sales_date = date_loads.event_date
)

select * from final
