{#- The distinct values of a text column in a group, sorted and joined by commas: a partition's
    input loads as one comparable, readable value. -#}
{% macro sorted_text_list(column) -%}
    {{ return(adapter.dispatch('sorted_text_list', 'ecom')(column)) }}
{%- endmacro %}

{% macro default__sorted_text_list(column) -%}
    string_agg(distinct {{ column }}, ',' order by {{ column }})
{%- endmacro %}

{% macro spark__sorted_text_list(column) -%}
    array_join(array_sort(collect_set({{ column }})), ',')
{%- endmacro %}
