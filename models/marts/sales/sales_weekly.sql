{{ config(**incremental_partitions('week_start', 'fct_sessions', period='week')) }}
-- Sales KPIs per week, pre-aggregated for the dashboard (the sales_rollup macro). Incremental by
-- week: a week depends on the sessions that start in it (fct_sessions, whose lineage
-- covers the days their purchases and conversions fall on).
{%- set rebuilt = partitions_to_rebuild() %}
{%- set days = period_days(rebuilt, 'week') if rebuilt is not none else none %}
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

{{ sales_rollup('week') }},

final as (
    select * from rollup
)

select * from final
