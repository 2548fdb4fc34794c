-- Categories (full category code) bought in the same basket, with the same metrics as product_pairs.
with

purchases as (
    select * from {{ ref('int_purchase_baskets') }}
),

baskets as (
    select distinct
        basket_id,
        category_code
    from purchases
    where category_code is not null
),

pairs as (
    {{ pair_metrics('baskets', 'category_code', var('basket_min_baskets')) }}
),

final as (
    select
        item_a as category_a,
        item_b as category_b,
        pair_baskets,
        support,
        confidence_a_to_b,
        confidence_b_to_a,
        lift,
        item_a_baskets as category_a_baskets,
        item_b_baskets as category_b_baskets,
        total_baskets
    from pairs
)

select * from final
