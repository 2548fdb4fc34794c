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
        select
            *,
            {{ load_time('load_id') }} as loaded_at
        from read_parquet(
            [{%- for f in files %}'{{ f }}'{{ ', ' if not loop.last }}{% endfor -%}],
            hive_partitioning = true,
            hive_types = {'event_date': date}
        )
    {%- else -%}
        {{ empty_bronze_events() }}
    {%- endif %}
{%- endmacro %}


{#- Spark: an external Parquet table over the bronze folder, its partitions synced on every run,
    and bronze.events a view of the rows of published loads only ($ECOM_PUBLISHED_LOADS, set by
    `ecom` from the manifest; Spark's file listing skips the manifest's leading underscore). -#}
{% macro spark__register_bronze() -%}
    {%- if execute -%}
        {%- set loads = env_var('ECOM_PUBLISHED_LOADS', '__unset__') -%}
        {%- if loads == '__unset__' -%}
            {{ exceptions.raise_compiler_error(
                "ECOM_PUBLISHED_LOADS is not set: build on Spark through `ecom build --engine spark`, "
                ~ "which sets it from the loader's manifest") }}
        {%- endif -%}
        {%- do run_query('create database if not exists bronze') -%}
        {%- do run_query(
            "create table if not exists bronze.events_files (event_time timestamp, event_type string, "
            ~ "product_id int, category_id bigint, category_code string, brand string, price decimal(10,2), "
            ~ "user_id int, user_session string, source_file string, load_id string, event_date date) "
            ~ "using parquet partitioned by (event_date) location '" ~ bronze_path() ~ "/events'") -%}
        {%- do run_query('msck repair table bronze.events_files sync partitions') -%}
        {%- set published = loads.split(',') | reject('equalto', '') | list -%}
        {%- do run_query('create or replace view bronze.events as select *, ' ~ load_time('load_id')
            ~ ' as loaded_at from bronze.events_files where ' ~ in_literals('load_id', published)) -%}
    {%- endif -%}
    select 1
{%- endmacro %}
