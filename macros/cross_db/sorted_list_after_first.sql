{#- An aggregate: the group's values sorted, without the first (the files of the copies an
    exact-duplicate group loses, the first file's copy being kept). -#}
{% macro sorted_list_after_first(column) -%}
    {{ return(adapter.dispatch('sorted_list_after_first', 'ecom')(column)) }}
{%- endmacro %}

{% macro default__sorted_list_after_first(column) -%}
    list_sort(list({{ column }}))[2:]
{%- endmacro %}

{% macro spark__sorted_list_after_first(column) -%}
    slice(array_sort(collect_list({{ column }})), 2, 2147483647)
{%- endmacro %}
