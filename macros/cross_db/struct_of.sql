{#- A struct of the given columns, each field named as its column: with max_by, one aggregate
    picks several columns of the same row. -#}
{% macro struct_of(columns) -%}
    {{ return(adapter.dispatch('struct_of', 'ecom')(columns)) }}
{%- endmacro %}

{% macro default__struct_of(columns) -%}
    struct_pack({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__struct_of(columns) -%}
    named_struct({% for column in columns %}'{{ column }}', {{ column }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
