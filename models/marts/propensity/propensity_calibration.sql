-- The model's calibration on the evaluation snapshot: per tenth of users by score (decile 1 =
-- highest), the mean predicted chance of a purchase against the share who purchased, and the
-- expected calibration error over all of them. "Expected purchases" on the dashboard sums
-- scores, which is right only as far as the scores are calibrated.
with

scores as (
    select * from {{ ref('propensity_scores') }}
    where snapshot = 'evaluation'
),

per_bin as (
    select
        model_decile as score_bin,
        count(*) as users,
        count(*) filter (where label_purchased) as buyers,
        avg(score) as mean_predicted,
        min(score) as min_score,
        max(score) as max_score
    from scores
    group by model_decile
),

weighed as (
    select
        *,
        {{ safe_divide('buyers', 'users') }} as observed_rate,
        {{ safe_divide('users', 'sum(users) over ()') }} as user_share
    from per_bin
),

final as (
    select
        score_bin,
        users,
        buyers,
        mean_predicted,
        observed_rate,
        min_score,
        max_score,
        sum(user_share * abs(observed_rate - mean_predicted)) over () as expected_calibration_error
    from weighed
)

select * from final
