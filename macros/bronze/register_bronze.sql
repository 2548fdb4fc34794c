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


{#- The bronze folder of the data directory this run works on. -#}
{% macro bronze_path() -%}
    {{ return(env_var('ECOM_DATA_DIR', 'data') ~ '/bronze') }}
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


{#- The absolute paths of the event files the manifest publishes (none before the first load). -#}
{% macro published_bronze_files() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set manifest = bronze_path() ~ '/_manifest.json' -%}
    {%- set found = run_query("select count(*) from glob('" ~ manifest ~ "')").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select '{{ bronze_path() }}/' || unnest(json_extract_string(content, '$.files[*].files[*]')) as path
        from read_text('{{ manifest }}')
        order by path
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- bronze.events' columns with no rows: the source before anything is loaded. -#}
{% macro empty_bronze_events() -%}
    select
        cast(null as {{ dbt.type_timestamp() }}) as event_time,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as integer) as product_id,
        cast(null as bigint) as category_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        cast(null as {{ dbt.type_string() }}) as brand,
        cast(null as decimal(10, 2)) as price,
        cast(null as integer) as user_id,
        cast(null as {{ dbt.type_string() }}) as user_session,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as date) as event_date
    where false
{%- endmacro %}
