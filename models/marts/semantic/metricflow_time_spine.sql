-- One row per day the data covers: MetricFlow's time spine (metric_time).
with

dates as (
    select * from {{ ref('dim_dates') }}
),

final as (
    select date_day
    from dates
)

select * from final
