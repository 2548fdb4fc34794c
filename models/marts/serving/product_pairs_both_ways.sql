-- Every bought-together pair from both sides, with the other product's category and brand: the
-- recommendations a product page shows ("bought with it"), found by the product's id.
with

pairs as (
    select * from {{ ref('product_pairs') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

{{ pairs_both_ways('pairs', 'pair_baskets', 'products') }}

select * from final
