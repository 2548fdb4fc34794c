{#-
    This model's incremental_partitions declaration, resolved for a build: the model's name and,
    for its upstream, where each upstream date's loads are read. An upstream that is itself
    declared with incremental_partitions is read from its lineage in incremental_lineage (no scan
    of its rows; its partitions' input loads stand for its dates); any other upstream (the
    staging view over bronze) from its rows' (date, load_id) pairs. Fails naming the model when
    it has no declaration.
-#}
{% macro incremental_spec() -%}
    {%- set spec = config.get('incremental_partitions') -%}
    {%- if spec is none -%}
        {{ exceptions.raise_compiler_error(model.name ~ " is not declared with incremental_partitions") }}
    {%- endif -%}
    {%- set upstream = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', spec.upstream) | first -%}
    {%- set resolved = dict(spec) -%}
    {%- do resolved.update({
        'model': this.identifier,
        'upstream_is_partitioned': upstream.config.get('incremental_partitions') is not none,
    }) -%}
    {%- if not resolved.upstream_is_partitioned -%}
        {%- do resolved.update({'relation': ref(spec.upstream)}) -%}
    {%- endif -%}
    {{ return(resolved) }}
{%- endmacro %}
