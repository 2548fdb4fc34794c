-- Every viewed-together pair from both sides: the "viewed with it" recommendations, found by the
-- product's id.
-- Stored in product_id order: a lookup then reads only the row groups whose min/max hold the id,
-- instead of scanning millions of rows per click.
with

pairs as (
    select * from {{ ref('also_viewed_pairs') }}
),

{{ pairs_both_ways('pairs', 'pair_sessions') }}

select * from final
order by product_id
