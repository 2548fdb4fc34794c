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
    {%- do settings.update(incremental_partitions_engine_config(spec)) -%}
    {{ return(settings) }}
{%- endmacro %}
