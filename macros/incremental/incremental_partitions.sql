{#-
    The config of a model that is incremental by partition, for `{{ config(**incremental_partitions(...)) }}`.
    The one incremental mechanism of this project: see _incremental__macros.yml for the contract.
    The engine's part (how rows of a partition are replaced) is dispatched.
-#}
{% macro incremental_partitions(partition_by, upstream, upstream_date='event_date', period='day',
                                depends_before=0, depends_after=0, spans=none) -%}
    {%- if period not in ['day', 'week', 'month', 'snapshot'] -%}
        {{ exceptions.raise_compiler_error(
            "incremental_partitions: period must be day, week, month or snapshot, not '" ~ period ~ "'") }}
    {%- endif -%}
    {%- if period == 'snapshot' and spans is none -%}
        {{ exceptions.raise_compiler_error("incremental_partitions: period 'snapshot' needs the name of a spans macro") }}
    {%- endif -%}
    {%- set spec = {
        'partition_by': partition_by,
        'upstream': upstream,
        'upstream_date': upstream_date,
        'period': period,
        'depends_before': depends_before | int,
        'depends_after': depends_after | int,
        'spans': spans,
    } -%}
    {%- set settings = {
        'materialized': 'incremental',
        'on_schema_change': 'fail',
        'incremental_partitions': spec,
        'pre_hook': ["{{ replace_partitions() }}"],
        'post_hook': ["{{ record_partition_lineage() }}"],
    } -%}
    {%- do settings.update(adapter.dispatch('incremental_partitions_engine_config', 'ecom')(spec)) -%}
    {{ return(settings) }}
{%- endmacro %}


{#- DuckDB: new rows go straight into the table (duckdb__create_table_as); replace_partitions
    has deleted the rows they replace, in the same transaction. -#}
{% macro duckdb__incremental_partitions_engine_config(spec) -%}
    {{ return({'incremental_strategy': 'append', 'direct_insert': true}) }}
{%- endmacro %}


{#- Spark: a Parquet table partitioned by the partition column, whose rebuilt partitions are
    overwritten (dynamic partition overwrite); replace_partitions drops the partitions no build
    produces any more. -#}
{% macro spark__incremental_partitions_engine_config(spec) -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [spec.partition_by],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}
