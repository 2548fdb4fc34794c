-- The dashboard's rule for a period's KPIs, applied to each calendar month of period_kpi_days,
-- gives sales_monthly's figures (distinct counts over the facts). Returns the months that differ.
with

kpi_days as (
    select * from {{ ref('period_kpi_days') }}
),

sales_monthly as (
    select * from {{ ref('sales_monthly') }}
),

in_months as (
    select
        *,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start
    from kpi_days
),

first_in_month as (
    select
        *,
        coalesce(previous_date < month_start, true) as is_first
    from in_months
),

by_rule as (
    select
        month_start,
        sum(case when entity = 'visitor' and is_first then entities else 0 end) as visitors,
        sum(case when entity = 'buyer' and is_first then entities else 0 end) as buyers,
        sum(case when entity = 'order' and is_first then entities else 0 end) as orders,
        sum(sessions) as sessions,
        sum(revenue) as revenue,
        sum(units) as units
    from first_in_month
    group by month_start
)

select
    sales_monthly.month_start,
    sales_monthly.visitors,
    by_rule.visitors as visitors_by_rule,
    sales_monthly.buyers,
    by_rule.buyers as buyers_by_rule,
    sales_monthly.orders,
    by_rule.orders as orders_by_rule
from sales_monthly
left join by_rule on sales_monthly.month_start = by_rule.month_start
where
    by_rule.month_start is null
    or by_rule.visitors <> sales_monthly.visitors
    or by_rule.buyers <> sales_monthly.buyers
    or by_rule.orders <> sales_monthly.orders
    or by_rule.sessions <> sales_monthly.sessions
    or by_rule.revenue <> sales_monthly.revenue
    or by_rule.units <> sales_monthly.units
