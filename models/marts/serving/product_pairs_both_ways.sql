-- Every bought-together pair from both sides: the recommendations a product page shows ("bought
-- with it"), found by the product's id.
-- Stored in product_id order: a lookup then reads only the row groups whose min/max hold the id,
-- instead of scanning millions of rows per click.
with

pairs as (
    select * from {{ ref('product_pairs') }}
),

{{ pairs_both_ways('pairs', 'pair_baskets') }}

select * from final
order by product_id
