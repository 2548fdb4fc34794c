{#-
    The date RFM recency and churn are measured at, as an aggregate over `last_date_column`
    (one row whatever the input): the analysis_date var, or else the day after the last date,
    so that the latest day counts as recency 1, not 0.
-#}
{% macro analysis_date(last_date_column) -%}
    {%- if var('analysis_date') -%}
        max(cast('{{ var("analysis_date") }}' as date))
    {%- else -%}
        cast({{ dbt.dateadd('day', 1, 'max(' ~ last_date_column ~ ')') }} as date)
    {%- endif -%}
{%- endmacro %}
