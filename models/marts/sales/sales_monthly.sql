{{ config(**incremental_partitions('month_start', 'fct_sessions', period='month')) }}
-- Sales KPIs per month, pre-aggregated for the dashboard (the sales_rollup macro). Incremental by
-- month: a month depends on the sessions that start in it (fct_sessions, whose lineage
-- covers the days their purchases and conversions fall on).
{%- set rebuilt = partitions_to_rebuild() %}
{%- set days = period_days(rebuilt, 'month') if rebuilt is not none else none %}
with

purchases as (
    select * from {{ ref('fct_purchases') }}
    {%- if days is not none %}
        where {{ in_dates('purchase_date', days) }}
    {%- endif %}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
    {%- if days is not none %}
        where {{ in_dates('session_date', days) }}
    {%- endif %}
),

{{ sales_rollup('month') }},

final as (
    select * from rollup
)

select * from final
