{#-
    Post-hook of every model declared with incremental_partitions: appends this build's partition
    plan to meta.incremental_lineage, so the next build compares its input with what each
    partition was built from. In the same transaction as the rows it describes where the engine
    has transactions (DuckDB); elsewhere after them, so a failed build is rebuilt, never skipped.
-#}
{% macro record_partition_lineage() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set spec = incremental_spec() -%}
    insert into {{ incremental_lineage_relation() }}
    select
        '{{ spec.model }}' as model_name,
        partition_key,
        input_loads,
        current_timestamp as recorded_at,
        '{{ invocation_id }}' as invocation_id
    from {{ partition_plan_relation(spec) }}
{%- endmacro %}
