{{ config(**incremental_by_dates('day_start', "ref('stg_events')", rule='sessions', lineage='dates')) }}
-- Sales KPIs per day, pre-aggregated for the dashboard (see the sales_rollup macro).
-- Incremental by day, with the rule of fct_sessions: changed event dates rebuild their days and
-- the days before and after, whose sessions can run past midnight into them (and so convert on
-- them) or out of them.
{%- set changed = changed_dates(ref('stg_events'), 'day_start') if is_incremental() else none %}
with

rollup as (
    {{ sales_rollup('day', rebuilt_session_dates(changed) if changed is not none else none) }}
),

date_loads as (
    -- Every load of each day: the lineage the incremental rules need.
    {{ session_date_loads(ref('stg_events'), changed) }}
),

final as (
    select
        rollup.*,
        date_loads.load_ids
    from rollup
    inner join date_loads on rollup.day_start = date_loads.event_date
)

select * from final
