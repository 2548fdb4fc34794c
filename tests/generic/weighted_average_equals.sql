{#-
    The `weight`-weighted average of `column_name` equals `expected` (within `tolerance`), per
    `group_by` group when given: an identity a ratio column must satisfy, e.g. lifts over a base
    rate average to exactly 1 when weighted by the users they cover. Catches a value off by any
    factor, which a range alone would not.
-#}
{% test weighted_average_equals(model, column_name, weight, expected, group_by=none, tolerance=0.000001) %}
select
    {% if group_by %}{{ group_by }},{% endif %}
    sum({{ column_name }} * {{ weight }}) / nullif(sum({{ weight }}), 0) as weighted_average
from {{ model }}
{%- if group_by %}
group by {{ group_by }}
{%- endif %}
having abs(coalesce(sum({{ column_name }} * {{ weight }}) / nullif(sum({{ weight }}), 0), {{ expected }}) - {{ expected }})
    > {{ tolerance }}
{% endtest %}
