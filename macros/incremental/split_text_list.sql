{#- One row per value of a comma-joined text list (sorted_text_list's output), in a select list. -#}
{% macro split_text_list(column) -%}
    {{ return(adapter.dispatch('split_text_list', 'ecom')(column)) }}
{%- endmacro %}

{% macro default__split_text_list(column) -%}
    unnest(string_split({{ column }}, ','))
{%- endmacro %}

{% macro spark__split_text_list(column) -%}
    explode(split({{ column }}, ','))
{%- endmacro %}
