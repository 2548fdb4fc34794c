-- One row per calendar day from the first to the last day with events.
with

events as (
    select * from {{ ref('int_events') }}
),

bounds as (
    select
        min(event_date) as first_date,
        max(event_date) as last_date
    from events
),

days as (
    {{ series('(select bounds.first_date from bounds)', '(select bounds.last_date from bounds)', step_days=1) }}
),

spine as (
    select cast(value as date) as date_day
    from days
    where value is not null
),

event_days as (
    select distinct event_date
    from events
),

final as (
    select
        spine.date_day,
        cast(date_trunc('week', spine.date_day) as date) as week_start,
        cast(date_trunc('month', spine.date_day) as date) as month_start,
        cast({{ iso_date_part('year', 'spine.date_day') }} as integer) as iso_year,
        cast({{ iso_date_part('week', 'spine.date_day') }} as integer) as iso_week,
        cast({{ iso_date_part('weekday', 'spine.date_day') }} as integer) as iso_weekday,
        case cast({{ iso_date_part('weekday', 'spine.date_day') }} as integer)
            when 1 then 'Monday'
            when 2 then 'Tuesday'
            when 3 then 'Wednesday'
            when 4 then 'Thursday'
            when 5 then 'Friday'
            when 6 then 'Saturday'
            else 'Sunday'
        end as weekday_name,
        {{ iso_date_part('weekday', 'spine.date_day') }} >= 6 as is_weekend,
        event_days.event_date is not null as has_events
    from spine
    left join event_days on spine.date_day = event_days.event_date
)

select * from final
