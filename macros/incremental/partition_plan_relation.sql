{#- The temporary relation holding a model's partition plan during its build. -#}
{% macro partition_plan_relation(spec) -%}
    {{ return(api.Relation.create(identifier=spec.model ~ '__partition_plan').include(database=false, schema=false)) }}
{%- endmacro %}
