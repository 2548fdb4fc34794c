-- The campaign planner's curve: the score snapshot's users by percentile of the model's rank
-- (1 = the top 1%), with the purchases they are expected to make (the sum of their scores). The
-- page accumulates it for any budget; precomputed because ranking every scored user per click
-- would scan the whole snapshot.
with

scores as (
    select * from {{ ref('propensity_scores') }}
    where snapshot = 'score'
),

percentiles as (
    select
        score,
        cast(ceil(model_rank * 100.0 / count(*) over ()) as integer) as top_percent
    from scores
),

final as (
    select
        top_percent,
        count(*) as users,
        sum(score) as expected_purchases
    from percentiles
    group by top_percent
)

select * from final
