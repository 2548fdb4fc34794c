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
