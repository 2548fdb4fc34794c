{#-
    `column in ('v1', ...)` with each value cast to `type` when given, or `false` for no values
    (an empty `in ()` is not SQL): literals the optimizer can push down, unlike a subquery.
-#}
{% macro in_literals(column, values, type=none) -%}
    {%- if values | length == 0 -%}
        false
    {%- else -%}
        ({{ column }} in (
            {%- for v in values -%}
                {%- if type %}cast('{{ v }}' as {{ type }}){% else %}'{{ v }}'{% endif -%}
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%}
        ))
    {%- endif -%}
{%- endmacro %}
