-- The campaign list: the best ceil(propensity_top_k_pct % of scored users) on the latest
-- feature snapshot, with their score, decile, RFM segment and the conversions to expect.
-- A budget buys a number of contacts, so the list is cut by rank, not by a score threshold:
-- a 0.5 threshold would select almost nobody at an 8% base rate, and its size would swing
-- with every retrain.
with

scores as (
    select * from {{ ref('propensity_scores') }}
    where snapshot = 'score'
),

rfm as (
    select * from {{ ref('customer_rfm') }}
),

sized as (
    select
        count(*) as scored_users,
        cast(ceil(count(*) * {{ var('propensity_top_k_pct') }} / 100.0) as integer) as target_count
    from scores
),

targets as (
    select
        scores.*,
        sized.scored_users
    from scores
    cross join sized
    where scores.model_rank <= sized.target_count
),

final as (
    select
        targets.user_id,
        cast(targets.model_rank as integer) as target_rank,
        targets.score,
        targets.model_decile as decile,
        coalesce(rfm.segment, 'No purchase yet') as segment,
        targets.cutoff_date as scored_at,
        cast(targets.scored_users as integer) as scored_users,
        sum(targets.score) over (order by targets.model_rank) as cumulative_expected_conversions
    from targets
    left join rfm
        on targets.user_id = rfm.user_id
)

select * from final
