{#- The table that records, per model and partition, the input each partition was built from
    (meta.incremental_lineage; created by create_incremental_lineage at the start of a run). -#}
{% macro incremental_lineage_relation() -%}
    {{ return(api.Relation.create(schema='meta', identifier='incremental_lineage')) }}
{%- endmacro %}
