{#-
    A list of counts, one per snapshot in snapshot_position order: the rows whose `bits`
    expression has that snapshot's bit set. One grouping then counts all four snapshots.
-#}
{% macro count_per_snapshot(bits) -%}
    [
    {%- for name in propensity_snapshot_names() -%}
        count(*) filter (where ({{ bits }}) & {{ 2 ** loop.index0 }} != 0)
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
    ]
{%- endmacro %}
