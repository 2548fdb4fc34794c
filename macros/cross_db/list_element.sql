{#- The element of a list at a 1-based position (Spark's `arr[i]` is 0-based and would silently
    take the next one). -#}
{% macro list_element(list, position) -%}
    {{ return(adapter.dispatch('list_element', 'ecom')(list, position)) }}
{%- endmacro %}

{% macro default__list_element(list, position) -%}
    {{ list }}[{{ position }}]
{%- endmacro %}

{% macro spark__list_element(list, position) -%}
    element_at({{ list }}, {{ position }})
{%- endmacro %}
