{#- The bronze folder of the data directory this run works on. -#}
{% macro bronze_path() -%}
    {{ return(env_var('ECOM_DATA_DIR', 'data') ~ '/bronze') }}
{%- endmacro %}
