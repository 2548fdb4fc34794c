-- Products bought in the same basket: pair count, support, confidence both ways and lift.
with

baskets as (
    select * from {{ ref('int_purchase_baskets') }}
),

pairs as (
    {{ pair_metrics('baskets', 'product_id', var('basket_min_baskets')) }}
),

final as (
    select
        item_a as product_a,
        item_b as product_b,
        pair_baskets,
        support,
        confidence_a_to_b,
        confidence_b_to_a,
        lift,
        item_a_baskets as product_a_baskets,
        item_b_baskets as product_b_baskets,
        total_baskets
    from pairs
)

select * from final
