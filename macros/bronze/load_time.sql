{#- When a load ran, from its id (`ecom load` names a load by its UTC start, YYYYMMDDTHHMMSSffffffZ). -#}
{% macro load_time(load_id) -%}
    {{ return(adapter.dispatch('load_time', 'ecom')(load_id)) }}
{%- endmacro %}

{% macro default__load_time(load_id) -%}
    strptime({{ load_id }}, '%Y%m%dT%H%M%S%fZ')
{%- endmacro %}

{% macro spark__load_time(load_id) -%}
    to_timestamp({{ load_id }}, "yyyyMMdd'T'HHmmssSSSSSS'Z'")
{%- endmacro %}
