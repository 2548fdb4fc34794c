-- Every bought-together pair from both sides: the recommendations a product page shows ("bought
-- with it"), found by the product's id.
with

pairs as (
    select * from {{ ref('product_pairs') }}
),

{{ pairs_both_ways('pairs', 'pair_baskets') }}

select * from final
