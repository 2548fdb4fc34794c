{#- The keyword of a semi or anti join: a row of the left side kept when it has a match on the
    right (`semi`), or when it has none (`anti`), without the right side's columns. -#}
{% macro join_kind(kind) -%}
    {{ return(adapter.dispatch('join_kind', 'ecom')(kind)) }}
{%- endmacro %}

{% macro default__join_kind(kind) -%}
    {{ kind }} join
{%- endmacro %}

{% macro spark__join_kind(kind) -%}
    left {{ kind }} join
{%- endmacro %}
