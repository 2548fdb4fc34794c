{#- Where bronze lives for this run: $ECOM_BRONZE_URI when set (object storage a cluster reads,
    e.g. s3a://bucket/ecom/bronze), else the data directory's bronze folder. -#}
{% macro bronze_path() -%}
    {{ return(env_var('ECOM_BRONZE_URI', env_var('ECOM_DATA_DIR', 'data') ~ '/bronze')) }}
{%- endmacro %}
