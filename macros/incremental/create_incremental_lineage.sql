{#-
    Run at the start of every dbt invocation: creates meta.incremental_lineage if it is missing.
    It is append-only: a build adds one row per partition it rebuilt or deleted (input_loads null)
    and, for a full build, a row with no partition first, which starts the model's lineage afresh.
-#}
{% macro create_incremental_lineage() -%}
    {{ return(adapter.dispatch('create_incremental_lineage', 'ecom')()) }}
{%- endmacro %}

{% macro default__create_incremental_lineage() -%}
    create schema if not exists meta;
    create table if not exists {{ incremental_lineage_relation() }} (
        model_name {{ dbt.type_string() }},
        partition_key {{ dbt.type_string() }},
        input_loads {{ dbt.type_string() }},
        recorded_at {{ dbt.type_timestamp() }},
        invocation_id {{ dbt.type_string() }}
    )
{%- endmacro %}

{#- Spark runs one statement per call. -#}
{% macro spark__create_incremental_lineage() -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists meta') -%}
        {%- do run_query(
            'create table if not exists ' ~ incremental_lineage_relation() ~ ' (model_name string, '
            ~ 'partition_key string, input_loads string, recorded_at timestamp, invocation_id string) using parquet') -%}
    {%- endif -%}
    select 1
{%- endmacro %}
