{#-
    Run at the start of every dbt invocation (on-run-start): makes the source bronze.events the
    bronze Parquet files that the loader's manifest lists, and nothing else. A load publishes its
    files by replacing the manifest, so a file a crashed load left behind is never read, and the
    data directory ($ECOM_DATA_DIR) is read at run time, never written into the manifest of the
    dbt project (Slim CI compares projects across data directories).
-#}
{% macro register_bronze() -%}
    {{ return(adapter.dispatch('register_bronze', 'ecom')()) }}
{%- endmacro %}


{% macro duckdb__register_bronze() -%}
    {%- set files = published_bronze_files() -%}
    create schema if not exists bronze;
    create or replace view bronze.events as
    {% if files | length > 0 -%}
        select *
        from read_parquet(
            [{%- for f in files %}'{{ f }}'{{ ', ' if not loop.last }}{% endfor -%}],
            hive_partitioning = true,
            hive_types = {'event_date': date}
        )
    {%- else -%}
        {{ empty_bronze_events() }}
    {%- endif %}
{%- endmacro %}
