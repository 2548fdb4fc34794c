{#-
    The logic CTEs of sales_daily, sales_weekly and sales_monthly, ending in `rollup`: sales KPIs
    per `period` ('day', 'week' or 'month') from the caller's import CTEs `purchases`
    (fct_purchases) and `sessions` (fct_sessions). Buyers and visitors are distinct users within
    the period, so weeks and months are computed from the facts, not summed from days. Orders
    are purchase sessions; units are purchased items (one per purchase event).
-#}
{% macro sales_rollup(period) -%}
purchase_totals as (
    select
        cast({{ dbt.date_trunc(period, 'purchased_at') }} as date) as period_start,
        sum(price) as revenue,
        count(*) as units,
        count(distinct session_id) as orders,
        count(distinct user_id) as buyers
    from purchases
    group by cast({{ dbt.date_trunc(period, 'purchased_at') }} as date)
),

session_totals as (
    select
        cast({{ dbt.date_trunc(period, 'started_at') }} as date) as period_start,
        count(*) as sessions,
        count(distinct user_id) as visitors,
        count(*) filter (where converted) as converted_sessions
    from sessions
    group by cast({{ dbt.date_trunc(period, 'started_at') }} as date)
),

rollup as (
    select
        coalesce(s.period_start, p.period_start) as {{ period }}_start,
        cast(coalesce(p.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(p.orders, 0) as orders,
        coalesce(p.units, 0) as units,
        coalesce(p.buyers, 0) as buyers,
        cast({{ safe_divide('p.revenue', 'p.orders') }} as decimal(18, 2)) as average_order_value,
        coalesce(s.sessions, 0) as sessions,
        coalesce(s.visitors, 0) as visitors,
        {{ safe_divide('s.converted_sessions', 's.sessions') }} as conversion_rate,
        {{ safe_divide('p.buyers', 's.visitors') }} as buyer_share
    from session_totals as s
    full outer join purchase_totals as p on s.period_start = p.period_start
)
{%- endmacro %}
