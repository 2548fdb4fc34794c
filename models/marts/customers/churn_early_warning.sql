-- Users who used to be active (churn_min_sessions sessions, or any purchase) and have been
-- silent for churn_inactive_days or more before the analysis date, ranked by what is at stake.
with

users as (
    select * from {{ ref('dim_users') }}
),

rfm as (
    select * from {{ ref('customer_rfm') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

analysis as (
    select {{ analysis_date('date_day') }} as analysis_date
    from dates
),

buyer_value as (
    -- "High value" = lifetime revenue in the top 20% of buyers.
    select percentile_cont(0.8) within group (order by revenue) as high_value_revenue
    from users
    where is_buyer
),

measured as (
    select
        users.user_id,
        users.first_seen_at,
        users.last_seen_at,
        users.sessions,
        users.purchase_sessions,
        users.revenue,
        users.is_buyer,
        cast(
            {{ dbt.datediff('cast(users.last_seen_at as date)', 'analysis.analysis_date', 'day') }}
            as integer
        ) as days_inactive,
        cast(
            {{ dbt.datediff('cast(users.first_seen_at as date)', 'cast(users.last_seen_at as date)', 'day') }}
            as integer
        ) as active_span_days,
        users.revenue >= buyer_value.high_value_revenue and users.is_buyer as is_high_value
    from users
    cross join analysis
    cross join buyer_value
    where users.sessions >= {{ var('churn_min_sessions') }} or users.is_buyer
),

tiered as (
    select
        *,
        case
            when is_high_value and days_inactive >= 2 * {{ var('churn_inactive_days') }} then 'critical'
            when is_high_value or purchase_sessions >= 2 then 'high'
            when is_buyer then 'medium'
            else 'low'
        end as risk_tier
    from measured
    where days_inactive >= {{ var('churn_inactive_days') }}
),

final as (
    select
        tiered.user_id,
        tiered.risk_tier,
        cast(row_number() over (
            order by
                case tiered.risk_tier when 'critical' then 1 when 'high' then 2 when 'medium' then 3 else 4 end,
                tiered.revenue desc,
                tiered.sessions desc,
                tiered.user_id asc
        ) as bigint) as risk_rank,
        tiered.days_inactive,
        tiered.first_seen_at,
        tiered.last_seen_at,
        tiered.active_span_days,
        tiered.sessions,
        tiered.purchase_sessions,
        tiered.revenue,
        tiered.is_high_value,
        rfm.segment as rfm_segment
    from tiered
    left join rfm on tiered.user_id = rfm.user_id
)

select * from final
