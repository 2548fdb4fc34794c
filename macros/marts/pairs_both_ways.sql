{#-
    The logic CTE of the *_pairs_both_ways models, named `final`: each pair of `pairs` (with count
    column `count_column`) once from each side, as (product_id, other_product, count, support,
    confidence, lift), so a product's pairs are found by its id alone.
-#}
{% macro pairs_both_ways(pairs, count_column) -%}
final as (
    select
        product_a as product_id,
        product_b as other_product,
        {{ count_column }},
        support,
        confidence_a_to_b as confidence,
        lift
    from {{ pairs }}
    union all
    select
        product_b as product_id,
        product_a as other_product,
        {{ count_column }},
        support,
        confidence_b_to_a as confidence,
        lift
    from {{ pairs }}
)
{%- endmacro %}
