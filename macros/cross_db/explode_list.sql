{#- One row per element of a list, in a select list. -#}
{% macro explode_list(list) -%}
    {{ return(adapter.dispatch('explode_list', 'ecom')(list)) }}
{%- endmacro %}

{% macro default__explode_list(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__explode_list(list) -%}
    explode({{ list }})
{%- endmacro %}
