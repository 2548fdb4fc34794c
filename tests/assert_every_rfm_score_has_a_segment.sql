-- Every combination of R, F and M scores (1-5 each) falls into at least one seeded segment,
-- so no purchasing user can end up without one. Returns the combinations that do not. The seed
-- is read whole even under `dbt build --empty` (.render()): the check is about the seed alone.
with recursive

scores as (
    select 1 as score
    union all
    select score + 1 as score
    from scores
    where score < 5
),

combinations as (
    select
        r.score as r_score,
        f.score as f_score,
        m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m
)

select combinations.*
from combinations
where not exists (
    select 1
    from {{ ref('rfm_segments').render() }} as segments
    where
        combinations.r_score between segments.r_min and segments.r_max
        and combinations.f_score between segments.f_min and segments.f_max
        and combinations.m_score between segments.m_min and segments.m_max
)
