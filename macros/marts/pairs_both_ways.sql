{#-
    The logic CTEs of the *_pairs_both_ways models, ending in `final`: each pair of `pairs` (with
    count column `count_column`) once from each side, as (product_id, other_product, count,
    support, confidence, lift) plus the other product's category code and brand from `products`.
-#}
{% macro pairs_both_ways(pairs, count_column, products) -%}
both_sides as (
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
),

final as (
    select
        both_sides.product_id,
        both_sides.other_product,
        {{ products }}.category_code as other_category_code,
        {{ products }}.brand as other_brand,
        both_sides.{{ count_column }},
        both_sides.support,
        both_sides.confidence,
        both_sides.lift
    from both_sides
    left join {{ products }} on both_sides.other_product = {{ products }}.product_id
)
{%- endmacro %}
