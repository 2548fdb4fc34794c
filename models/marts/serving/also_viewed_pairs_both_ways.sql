-- Every viewed-together pair from both sides, with the other product's category and brand: the
-- "viewed with it" recommendations, found by the product's id.
with

pairs as (
    select * from {{ ref('also_viewed_pairs') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

{{ pairs_both_ways('pairs', 'pair_sessions', 'products') }}

select * from final
