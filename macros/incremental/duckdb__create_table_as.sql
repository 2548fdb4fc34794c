{#-
    DuckDB's part of incremental_partitions: a model with `direct_insert=true` inserts its new rows
    straight into its table. dbt-duckdb's incremental materialization builds the new rows into a
    temporary table that its strategy then copies into the target; for such a model the temporary
    relation is a temporary *view*, so the `append` strategy's `insert into target select ... from
    view` computes the rows once, into the target (a month of events is written once, not twice;
    docs/architecture.md). replace_partitions has deleted the rows they replace, in the same
    transaction. A contract is still checked against the model's query. Every other relation is
    created as dbt-duckdb creates it.
-#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
    {%- if temporary and language == 'sql' and config.get('direct_insert', false) -%}
        {%- if config.get('contract').enforced -%}
            {{ get_assert_columns_equivalent(compiled_code) }}
        {%- endif %}
        create or replace temporary view {{ relation.include(database=false, schema=false) }} as (
            {{ compiled_code }}
        )
    {%- else -%}
        {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
    {%- endif -%}
{%- endmacro %}
