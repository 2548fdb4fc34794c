{#- (numerator / denominator) as a double, null (not an error) when the denominator is 0. The
    parentheses make it one operand wherever it stands: `safe_divide(a, b) / safe_divide(c, d)`. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast(({{ numerator }}) as double) / nullif({{ denominator }}, 0))
{%- endmacro %}
