{#- A list (array) of the given SQL expressions. -#}
{% macro list_of(items) -%}
    {{ return(adapter.dispatch('list_of', 'ecom')(items)) }}
{%- endmacro %}

{% macro default__list_of(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{% macro spark__list_of(items) -%}
    array({{ items | join(', ') }})
{%- endmacro %}
