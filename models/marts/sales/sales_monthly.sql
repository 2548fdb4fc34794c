{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        direct_insert=true,
        on_schema_change='fail',
        pre_hook="{{ delete_changed_sales_periods('month') }}",
    )
}}
-- Sales KPIs per month, pre-aggregated for the dashboard. Incremental by month: a build recomputes
-- the months whose days changed in sales_daily (see sales_period_model).
{{ sales_period_model('month') }}
