{#-
    The partitions this build rebuilds, as a list of text keys ('YYYY-MM-DD' for dates, names for
    snapshots), for the model's query to read and write only those; none when the model is built
    whole (first build, --full-refresh) or is not being built at all (`dbt show`, `dbt compile`,
    docs: they see the model's whole query).
-#}
{% macro partitions_to_rebuild() -%}
    {%- if not execute or not is_incremental() or flags.WHICH not in ['run', 'build', 'retry'] -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set plan = run_query(partition_plan_sql(incremental_spec())) -%}
    {{ return(plan.rows | selectattr(2, 'equalto', 'rebuild') | map(attribute=0) | list) }}
{%- endmacro %}
