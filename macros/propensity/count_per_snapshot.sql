{#-
    A list of counts, one per snapshot in snapshot_position order: the rows whose `bits`
    expression has that snapshot's bit set. One grouping then counts all four snapshots.
-#}
{% macro count_per_snapshot(bits) -%}
    {%- set counts = [] -%}
    {%- for name in propensity_snapshot_names() -%}
        {%- do counts.append('count(*) filter (where (' ~ bits ~ ') & ' ~ 2 ** loop.index0 ~ ' != 0)') -%}
    {%- endfor -%}
    {{ list_of(counts) }}
{%- endmacro %}
