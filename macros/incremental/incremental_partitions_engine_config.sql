{#- The engine's part of an incremental_partitions model's config: how the rows of its rebuilt
    partitions are replaced. -#}
{% macro incremental_partitions_engine_config(spec) -%}
    {{ return(adapter.dispatch('incremental_partitions_engine_config', 'ecom')(spec)) }}
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
