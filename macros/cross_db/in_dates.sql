{#- `column in (cast('d1' as date), ...)`, or `false` for no dates: a filter DuckDB can push down. -#}
{% macro in_dates(column, dates) -%}
    {{ in_literals(column, dates, 'date') }}
{%- endmacro %}
