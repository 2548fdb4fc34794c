{#-
    The total of `column_name` over the model equals the total of `to_column` over `to` (both
    optionally filtered): a reconciliation between a mart and the facts it aggregates. Totals of
    doubles differ in their last bits with the order of summation: `relative_tolerance` allows
    that much difference relative to the larger total (0, exact, by default).
-#}
{% test sums_match(model, column_name, to, to_column, where_clause='true', to_where='true', relative_tolerance=0) %}
with

model_total as (
    select coalesce(sum({{ column_name }}), 0) as total
    from {{ model }}
    where {{ where_clause }}
),

other_total as (
    select coalesce(sum({{ to_column }}), 0) as total
    from {{ to }}
    where {{ to_where }}
)

select
    model_total.total as model_total,
    other_total.total as other_total
from model_total
cross join other_total
{%- if relative_tolerance == 0 %}
where model_total.total <> other_total.total
{%- else %}
where
    abs(model_total.total - other_total.total)
    > {{ relative_tolerance }} * greatest(abs(model_total.total), abs(other_total.total))
{%- endif %}
{% endtest %}
