{#-
    Pre-hook of every model declared with incremental_partitions: computes this build's partition
    plan once (partition_plan_sql, kept for record_partition_lineage as a temporary relation) and,
    in an incremental build, removes the rows of every partition in it, which the model's query
    then writes again. The engine decides how rows are removed.
-#}
{% macro replace_partitions() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set spec = incremental_spec() -%}
    {{ return(adapter.dispatch('replace_partitions', 'ecom')(spec, partition_plan_relation(spec), not is_incremental())) }}
{%- endmacro %}


{#- DuckDB: a delete in the build's transaction; partition_by is compared as its own type. -#}
{% macro duckdb__replace_partitions(spec, plan, full) -%}
    create or replace temporary table {{ plan }} as (
        {{ partition_plan_sql(spec, full=full) }}
    );
    {%- if not full %}
    delete from {{ this }}
    where {{ spec.partition_by }} in (
        select cast(partition_key as {{ 'date' if spec.period != 'snapshot' else dbt.type_string() }})
        from {{ plan }}
    )
    {%- endif %}
{%- endmacro %}


{#- Spark: Parquet tables cannot delete rows, so every partition in the plan is dropped; those
    the model rebuilds are written again by its insert overwrite. -#}
{% macro spark__replace_partitions(spec, plan, full) -%}
    {%- call statement('partition_plan') -%}
        create or replace temporary view {{ plan }} as {{ partition_plan_sql(spec, full=full) }}
    {%- endcall -%}
    {%- do run_query('cache table ' ~ plan) -%}
    {%- if not full -%}
        {%- set value = "date'{}'" if spec.period != 'snapshot' else "'{}'" -%}
        {%- for row in run_query('select partition_key from ' ~ plan ~ ' where partition_key is not null').rows -%}
            {%- do run_query('alter table ' ~ this ~ ' drop if exists partition (' ~ spec.partition_by ~ ' = '
                ~ value.format(row[0]) ~ ')') -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
