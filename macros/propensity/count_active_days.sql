{#-
    The number of distinct days in `day_column` (1 to `history_days`) per group, as one bit per
    day: the bits fit one integer up to 62 days, whose state is a fixed 8 bytes. A longer history
    takes the engine's own way: DuckDB a bitstring, allocated per group; Spark a distinct count.
-#}
{% macro count_active_days(day_column, history_days) -%}
    {{ return(adapter.dispatch('count_active_days', 'ecom')(day_column, history_days)) }}
{%- endmacro %}

{% macro default__count_active_days(day_column, history_days) -%}
    {%- if history_days | int <= 62 -%}
        cast(bit_count(bit_or(cast(1 as bigint) << {{ day_column }})) as bigint)
    {%- else -%}
        cast(bit_count(bitstring_agg({{ day_column }}, 1, {{ history_days }})) as bigint)
    {%- endif -%}
{%- endmacro %}

{% macro spark__count_active_days(day_column, history_days) -%}
    {%- if history_days | int <= 62 -%}
        cast(bit_count(bit_or(cast(1 as bigint) << {{ day_column }})) as bigint)
    {%- else -%}
        cast(count(distinct {{ day_column }}) as bigint)
    {%- endif -%}
{%- endmacro %}
