{{ config(**incremental_by_dates('day_start', "ref('stg_events')", sessions=true)) }}
-- Sales KPIs per day, pre-aggregated for the dashboard (see the sales_rollup macro).
-- Incremental by day, with the rule of fct_sessions: new event dates rebuild their days and the
-- day before, whose sessions can run past midnight and so convert on a new date.
{%- set new_dates = new_load_dates(ref('stg_events')) if is_incremental() else none %}
with

rollup as (
    {{ sales_rollup('day', rebuilt_session_dates(new_dates) if new_dates is not none else none) }}
),

date_loads as (
    -- The newest load of each day: the lineage the incremental rules need.
    {{ session_date_loads(ref('stg_events'), new_dates) }}
),

final as (
    select
        rollup.*,
        date_loads.load_id
    from rollup
    inner join date_loads on rollup.day_start = date_loads.event_date
)

select * from final
