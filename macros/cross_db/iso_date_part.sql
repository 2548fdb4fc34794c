{#- An ISO-8601 part of a date: `weekday` (1 = Monday ... 7 = Sunday), `week` or `year` (the
    year the ISO week belongs to). -#}
{% macro iso_date_part(part, column) -%}
    {{ return(adapter.dispatch('iso_date_part', 'ecom')(part, column)) }}
{%- endmacro %}

{% macro default__iso_date_part(part, column) -%}
    extract({{ {'weekday': 'isodow', 'week': 'week', 'year': 'isoyear'}[part] }} from {{ column }})
{%- endmacro %}

{% macro spark__iso_date_part(part, column) -%}
    extract({{ {'weekday': 'DAYOFWEEK_ISO', 'week': 'week', 'year': 'YEAROFWEEK'}[part] }} from {{ column }})
{%- endmacro %}
