{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        direct_insert=true,
        on_schema_change='fail',
        pre_hook="{{ delete_changed_sales_periods('week') }}",
    )
}}
-- Sales KPIs per week, pre-aggregated for the dashboard. Incremental by week: a build recomputes
-- the weeks whose days changed in sales_daily (see sales_period_model).
{{ sales_period_model('week') }}
