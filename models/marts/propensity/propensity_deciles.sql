-- Conversion per score decile on the evaluation snapshot, for the model and the RFM baseline:
-- the lift chart (conversion / base rate) and the cumulative gain (share of buyers reached).
with

scores as (
    select * from {{ ref('propensity_scores') }}
    where snapshot = 'evaluation'
),

ranked as (
    select
        'model' as ranker,
        model_decile as decile,
        label_purchased,
        score as ranker_score
    from scores
    union all
    select
        'rfm_baseline' as ranker,
        baseline_decile as decile,
        label_purchased,
        baseline_score as ranker_score
    from scores
),

per_decile as (
    select
        ranker,
        decile,
        count(*) as users,
        count(*) filter (where label_purchased) as buyers,
        min(ranker_score) as min_score,
        max(ranker_score) as max_score
    from ranked
    group by ranker, decile
),

final as (
    select
        ranker,
        decile,
        users,
        buyers,
        min_score,
        max_score,
        {{ safe_divide('buyers', 'users') }} as conversion_rate,
        {{ safe_divide('buyers', 'users') }}
        / {{ safe_divide('sum(buyers) over (partition by ranker)', 'sum(users) over (partition by ranker)') }}
            as lift,
        {{ safe_divide(
            'sum(users) over (partition by ranker order by decile)',
            'sum(users) over (partition by ranker)'
        ) }} as cumulative_users_share,
        {{ safe_divide(
            'sum(buyers) over (partition by ranker order by decile)',
            'sum(buyers) over (partition by ranker)'
        ) }} as cumulative_buyers_share
    from per_decile
)

select * from final
