-- Weekly cohorts by first-seen week: how many of a cohort's users were active N weeks later.
-- Every observed (cohort, week) cell is present, zeros included; the data's last week may be
-- partial and is flagged, so it is not mistaken for churn.
with

users as (
    select * from {{ ref('dim_users') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

dates as (
    select * from {{ ref('dim_dates') }}
),

bounds as (
    select
        max(date_day) as last_date,
        max(week_start) as last_week_start
    from dates
),

cohort_sizes as (
    select
        cohort_week,
        count(*) as cohort_users
    from users
    group by cohort_week
),

cohort_bounds as (
    select
        min(cohort_week) as first_cohort,
        max(cohort_week) as last_cohort
    from cohort_sizes
),

cohort_span as (
    select
        cast(
            {{ dbt.datediff('first_cohort', 'last_cohort', 'day') }} / 7  -- noqa: LT05
            as integer
        ) as weeks
    from cohort_bounds
),

week_series as (
    {{ series('0', '(select cohort_span.weeks from cohort_span)') }}
),

week_numbers as (
    select cast(value as integer) as weeks_since_first_seen
    from week_series
),

grid as (
    select
        cohort_sizes.cohort_week,
        cohort_sizes.cohort_users,
        week_numbers.weeks_since_first_seen,
        cast({{ dbt.dateadd('day', '7 * week_numbers.weeks_since_first_seen', 'cohort_sizes.cohort_week') }} as date)
            as active_week
    from cohort_sizes
    cross join week_numbers
    cross join bounds
    where
        cast({{ dbt.dateadd('day', '7 * week_numbers.weeks_since_first_seen', 'cohort_sizes.cohort_week') }} as date)
        <= bounds.last_week_start
),

activity as (
    select distinct
        sessions.user_id,
        users.cohort_week,
        cast(date_trunc('week', sessions.started_at) as date) as active_week
    from sessions
    inner join users on sessions.user_id = users.user_id
),

active_counts as (
    select
        cohort_week,
        active_week,
        count(*) as active_users
    from activity
    group by cohort_week, active_week
),

final as (
    select
        grid.cohort_week,
        grid.weeks_since_first_seen,
        grid.active_week,
        grid.cohort_users,
        coalesce(active_counts.active_users, 0) as active_users,
        coalesce({{ safe_divide('active_counts.active_users', 'grid.cohort_users') }}, 0) as retention_rate,
        1 - coalesce({{ safe_divide('active_counts.active_users', 'grid.cohort_users') }}, 0) as churned_share,
        cast({{ dbt.dateadd('day', 6, 'grid.active_week') }} as date) <= bounds.last_date as is_complete_week
    from grid
    cross join bounds
    left join active_counts
        on
            grid.cohort_week = active_counts.cohort_week
            and grid.active_week = active_counts.active_week
)

select * from final
