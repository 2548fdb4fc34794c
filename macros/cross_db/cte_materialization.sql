{#- A hint on whether the engine computes a CTE once for all its readers (`materialized`) or
    streams it again for each (`not materialized`), where the engine takes such hints (DuckDB);
    elsewhere nothing. -#}
{% macro cte_materialization(hint) -%}
    {{ return(adapter.dispatch('cte_materialization', 'ecom')(hint)) }}
{%- endmacro %}

{% macro default__cte_materialization(hint) -%}
{%- endmacro %}

{% macro duckdb__cte_materialization(hint) -%}
    {{ hint }}
{%- endmacro %}
