{#-
    The partitions the upstream's dates give a model, with the first and last upstream date each
    depends on, as (partition_key, first_date, last_date). A day, week or month partition exists
    when the upstream has a date in it, and depends on its own dates widened by depends_before
    days before and depends_after days after; a snapshot model's spans come from the macro its
    declaration names. Reads `upstream_loads` (partition_plan_sql).
-#}
{% macro partition_spans_sql(spec) -%}
    {%- if spec.period == 'snapshot' -%}
        {{ ecom[spec.spans]('upstream_loads') }}
    {%- else -%}
        {%- set start = 'input_date' if spec.period == 'day'
            else 'cast(' ~ dbt.date_trunc(spec.period, 'input_date') ~ ' as date)' -%}
        {%- set last = {
            'day': start,
            'week': dbt.dateadd('day', 6, start),
            'month': 'last_day(' ~ start ~ ')',
        }[spec.period] -%}
        select distinct
            cast({{ start }} as {{ dbt.type_string() }}) as partition_key,
            cast({{ dbt.dateadd('day', -spec.depends_before, start) }} as date) as first_date,
            cast({{ dbt.dateadd('day', spec.depends_after, last) }} as date) as last_date
        from upstream_loads
    {%- endif -%}
{%- endmacro %}
