{#- A null list of text, typed. -#}
{% macro null_text_list() -%}
    {{ return(adapter.dispatch('null_text_list', 'ecom')()) }}
{%- endmacro %}

{% macro default__null_text_list() -%}
    cast(null as varchar[])
{%- endmacro %}

{% macro spark__null_text_list() -%}
    cast(null as array<string>)
{%- endmacro %}
