{#-
    The first and last event date propensity_features reads to rebuild the snapshots `rebuilt`
    (names), as ['YYYY-MM-DD', 'YYYY-MM-DD'], or [] when there is nothing to rebuild.
-#}
{% macro propensity_read_span(rebuilt) -%}
    {%- if not execute or rebuilt | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        with input_dates as (
            select distinct event_date as input_date
            from {{ ref('int_events') }}
        )

        select
            cast(min(first_date) as {{ dbt.type_string() }}),
            cast(max(last_date) as {{ dbt.type_string() }})
        from ({{ propensity_snapshot_spans('input_dates') }}) as spans
        where {{ in_literals('partition_key', rebuilt) }}
    {%- endset -%}
    {{ return(run_query(query).rows[0] | list) }}
{%- endmacro %}
