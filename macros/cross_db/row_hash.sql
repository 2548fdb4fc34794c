{#- A 63-bit (DuckDB) or 64-bit (Spark) hash of `columns` (a list of expressions) in one row: event keys and session ids.
    Engines hash differently, so keys differ between engines; what they identify does not. -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'ecom')(columns)) }}
{%- endmacro %}

{#- DuckDB's hash is unsigned: shifted to 63 bits, it is a bigint like Spark's. -#}
{% macro default__row_hash(columns) -%}
    cast(hash({{ columns | join(', ') }}) >> 1 as bigint)
{%- endmacro %}

{#- Spark's hash() is 32-bit, which would collide at a hundred million events: xxhash64. -#}
{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
