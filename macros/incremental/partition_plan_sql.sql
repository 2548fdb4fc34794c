{#-
    The query that compares each partition's current input with the input it was last built from:
    one row per partition that must change, (partition_key, input_loads, action), action being
    'rebuild' (new, or its input's loads differ) or 'delete' (it had rows and its input is gone).
    A partition's input is every load with rows in the upstream on the dates it depends on (its
    own dates, widened by the declared reach), or, for an upstream declared with
    incremental_partitions, the inputs of the upstream's partitions on those dates; it was built
    from what incremental_lineage holds.
    With `full` (a whole build), every partition is rebuilt, after a 'reset' row that starts
    the model's lineage afresh.
-#}
{% macro partition_plan_sql(spec, full=false) -%}
    with

    upstream_loads as (
        {%- if spec.upstream_is_partitioned %}
        -- The upstream's partitions, each standing for its dates with the loads it was built from.
        select distinct
            cast(upstream_lineage.partition_key as date) as input_date,
            {{ split_text_list('upstream_lineage.input_loads') }} as load_id
        from ({{ stored_partition_lineage_sql(spec.upstream) }}) as upstream_lineage
        {%- else %}
        select distinct
            cast({{ spec.upstream_date }} as date) as input_date,
            cast(load_id as {{ dbt.type_string() }}) as load_id
        from {{ spec.relation }}
        {%- endif %}
    ),

    partition_spans as (
        {{ partition_spans_sql(spec) }}
    ),

    current_lineage as (
        select
            partition_spans.partition_key,
            {{ sorted_text_list('upstream_loads.load_id') }} as input_loads
        from partition_spans
        inner join upstream_loads
            on
                upstream_loads.input_date >= partition_spans.first_date
                and upstream_loads.input_date <= partition_spans.last_date
        group by partition_spans.partition_key
    )
    {%- if full %}

    select
        cast(null as {{ dbt.type_string() }}) as partition_key,
        cast(null as {{ dbt.type_string() }}) as input_loads,
        'reset' as action
    union all
    select
        partition_key,
        input_loads,
        'rebuild' as action
    from current_lineage
    {%- else %},

    stored_lineage as (
        {{ stored_partition_lineage_sql(spec.model) }}
    )

    select
        coalesce(current_lineage.partition_key, stored_lineage.partition_key) as partition_key,
        current_lineage.input_loads,
        case when current_lineage.partition_key is null then 'delete' else 'rebuild' end as action
    from current_lineage
    full outer join stored_lineage
        on current_lineage.partition_key = stored_lineage.partition_key
    where
        current_lineage.partition_key is null
        or stored_lineage.partition_key is null
        or current_lineage.input_loads <> stored_lineage.input_loads
    order by partition_key
    {%- endif %}
{%- endmacro %}
