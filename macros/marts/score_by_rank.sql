{#-
    A 1-5 score from the rank of `order_by` (best last): 1 + floor(5 * percent_rank), capped at 5.
    Unlike ntile, tied values always share a score, so scores never depend on row order; a
    score can hold more or fewer than 20% of rows when many rows tie (e.g. one-time buyers).
    `partition_by` ranks within groups (e.g. one feature snapshot at a time).
-#}
{% macro score_by_rank(order_by, partition_by=none) -%}
    least(5, 1 + cast(floor(5 * percent_rank() over (
        {%- if partition_by %}partition by {{ partition_by }} {% endif -%}
        order by {{ order_by }})) as integer))
{%- endmacro %}
