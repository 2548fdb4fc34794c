{#- `column in (cast('d1' as date), ...)`, or `false` for no dates: a filter DuckDB can push down. -#}
{% macro in_dates(column, dates) -%}
    {%- if dates | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in (
            {%- for d in dates %}cast('{{ d }}' as date){% if not loop.last %}, {% endif %}{% endfor -%}
        )
    {%- endif -%}
{%- endmacro %}
