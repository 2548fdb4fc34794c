-- Every viewed-together pair from both sides: the "viewed with it" recommendations, found by the
-- product's id.
with

pairs as (
    select * from {{ ref('also_viewed_pairs') }}
),

{{ pairs_both_ways('pairs', 'pair_sessions') }}

select * from final
