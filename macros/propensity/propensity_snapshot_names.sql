{#- The snapshot names in position order, score last (see propensity_snapshots). -#}
{% macro propensity_snapshot_names() -%}
    {{ return(['train', 'validation', 'evaluation', 'score']) }}
{%- endmacro %}
