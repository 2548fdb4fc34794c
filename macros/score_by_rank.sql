{#-
    A 1-5 score from the rank of `order_by` (best last): 1 + floor(5 * percent_rank), capped at 5.
    Unlike ntile, tied values always share a score, so scores never depend on row order; a
    score can hold more or fewer than 20% of rows when many rows tie (e.g. one-time buyers).
-#}
{% macro score_by_rank(order_by) -%}
    least(5, 1 + cast(floor(5 * percent_rank() over (order by {{ order_by }})) as integer))
{%- endmacro %}
