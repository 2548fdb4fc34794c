{#- The number of elements of a list. -#}
{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'ecom')(list)) }}
{%- endmacro %}

{% macro default__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{#- array_size, not size: size(null) is -1 in Spark's non-ANSI mode. -#}
{% macro spark__list_length(list) -%}
    array_size({{ list }})
{%- endmacro %}
