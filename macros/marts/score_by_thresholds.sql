{#- 1 + the number of `thresholds` (ascending) that `column` reaches: a 1-5 score from 4 cut points. -#}
{% macro score_by_thresholds(column, thresholds) -%}
    {%- if thresholds | length != 4 -%}
        {{ exceptions.raise_compiler_error("a 1-5 score needs 4 ascending thresholds, got " ~ thresholds) }}
    {%- endif -%}
    case
        {%- for t in thresholds | reverse %}
            when {{ column }} >= {{ t }} then {{ 5 - loop.index0 }}
        {%- endfor %}
        else 1
    end
{%- endmacro %}
