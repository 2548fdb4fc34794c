{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        direct_insert=true,
        on_schema_change='fail',
        pre_hook=[
            "{{ delete_rows_on_dates('session_date', date_window(new_load_dates(ref('stg_events')),
                days_before=var('session_lookback_days'))) }}",
            "{{ delete_replaced_loads(ref('stg_events')) }}",
        ],
    )
}}
-- One row per distinct product viewed in a session, for sessions that viewed at least 2 and at
-- most also_viewed_max_products products (longer ones are crawlers or endless scrolling: their
-- pairs grow quadratically and say little about what belongs together).
-- Incremental by the session's start date, like fct_sessions: new event dates rebuild the
-- sessions that started on them or the day before, reading the days those sessions can span.
{%- set lookback = var('session_lookback_days') %}
{%- set new_dates = new_load_dates(ref('stg_events')) if is_incremental() else none %}
{%- if new_dates is not none %}
    {%- set session_dates = date_window(new_dates, days_before=lookback) %}
    {%- set read_dates = date_window(new_dates, days_before=lookback, days_after=lookback) %}
{%- endif %}
with

events as (
    select * from {{ ref('stg_events') }}
    {%- if new_dates is not none %}
        where
            {{ in_dates('event_date', read_dates) }}
            and {{ in_dates('cast(session_started_at as date)', session_dates) }}
    {%- endif %}
),

viewed as (
    select
        session_id as basket_id,
        product_id,
        cast(session_started_at as date) as session_date,
        max(load_id) as load_id
    from events
    where event_type = 'view'
    group by session_id, product_id, cast(session_started_at as date)
),

final as (
    select
        basket_id,
        product_id,
        session_date,
        load_id
    from viewed
    qualify count(*) over (partition by basket_id) between 2 and {{ var('also_viewed_max_products') }}
)

select * from final
