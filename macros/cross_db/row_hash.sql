{#- A 64-bit hash of `columns` (a list of expressions) in one row: event keys and session ids.
    Engines hash differently, so keys differ between engines; what they identify does not. -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'ecom')(columns)) }}
{%- endmacro %}

{% macro default__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{#- Spark's hash() is 32-bit, which would collide at a hundred million events: xxhash64. -#}
{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
