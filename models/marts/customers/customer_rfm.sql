-- One row per purchasing user: recency, frequency and monetary value at the analysis date,
-- their 1-5 scores (R and M by rank, tied values sharing a score; F by the
-- rfm_frequency_thresholds var) and the named segment from the rfm_segments seed.
with

purchases as (
    select * from {{ ref('fct_purchases') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

segments as (
    select * from {{ ref('rfm_segments') }}
),

analysis as (
    select {{ analysis_date('date_day') }} as analysis_date
    from dates
),

per_user as (
    select
        user_id,
        max(purchase_date) as last_purchase_date,
        count(distinct session_id) as frequency,
        sum(price) as monetary
    from purchases
    group by user_id
),

measured as (
    select
        per_user.user_id,
        per_user.last_purchase_date,
        cast(
            {{ dbt.datediff('per_user.last_purchase_date', 'analysis.analysis_date', 'day') }}
            as integer
        ) as recency_days,
        per_user.frequency,
        per_user.monetary,
        analysis.analysis_date
    from per_user
    cross join analysis
),

scored as (
    -- Recency: fewer days is better, so rank by days descending.
    select
        *,
        {{ score_by_rank('recency_days desc') }} as r_score,
        {{ score_by_thresholds('frequency', var('rfm_frequency_thresholds')) }} as f_score,
        {{ score_by_rank('monetary') }} as m_score
    from measured
),

segmented as (
    select
        scored.*,
        segments.segment,
        segments.priority
    from scored
    inner join segments
        on
            scored.r_score between segments.r_min and segments.r_max
            and scored.f_score between segments.f_min and segments.f_max
            and scored.m_score between segments.m_min and segments.m_max
    qualify row_number() over (partition by scored.user_id order by segments.priority) = 1
),

final as (
    select
        user_id,
        analysis_date,
        last_purchase_date,
        recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        r_score,
        f_score,
        m_score,
        cast(r_score as {{ dbt.type_string() }}) || cast(f_score as {{ dbt.type_string() }})
        || cast(m_score as {{ dbt.type_string() }}) as rfm_cell,
        segment
    from segmented
)

select * from final
