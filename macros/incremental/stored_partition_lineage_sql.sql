{#- What each partition of `model_name` was last built from, from incremental_lineage: the
    latest entry per partition since the model's last full build, partitions deleted since left
    out, as (partition_key, input_loads). -#}
{% macro stored_partition_lineage_sql(model_name) -%}
    with

    entries as (
        select *
        from {{ incremental_lineage_relation() }}
        where model_name = '{{ model_name }}'
    ),

    last_full_build as (
        select max(recorded_at) as recorded_at
        from entries
        where partition_key is null
    ),

    latest as (
        select
            entries.partition_key,
            entries.input_loads,
            row_number() over (
                partition by entries.partition_key
                order by entries.recorded_at desc
            ) as recency
        from entries
        cross join last_full_build
        where
            entries.partition_key is not null
            and entries.recorded_at >= last_full_build.recorded_at
    )

    select
        partition_key,
        input_loads
    from latest
    where recency = 1 and input_loads is not null
{%- endmacro %}
