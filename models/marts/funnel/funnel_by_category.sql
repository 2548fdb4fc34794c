{{ config(**incremental_by_dates('session_date', "ref('stg_events')", rule='sessions', lineage='dates')) }}
-- The session funnel per day and top-level category: a session counts in a category's step if
-- it viewed, carted or bought a product of that category. Products without a category code
-- are under 'unknown'.
-- Incremental by session start date, like int_view_baskets: changed event dates rebuild the
-- days whose sessions they can touch (the day before and after too), reading the days those
-- sessions span.
{%- set changed = changed_dates(ref('stg_events'), 'session_date') if is_incremental() else none %}
with

events as (
    select * from {{ ref('stg_events') }}
    {%- if changed is not none %}
        where {{ rebuilt_session_events(changed) }}
    {%- endif %}
),

date_loads as (
    -- Every load of each session start date: the lineage the incremental rules need.
    {{ session_date_loads(ref('stg_events'), changed) }}
),

session_categories as (
    select
        session_id,
        cast(min(session_started_at) as date) as session_date,
        coalesce(category_l1, 'unknown') as category_l1,
        bool_or(event_type = 'view') as has_view,
        bool_or(event_type = 'cart') as has_cart,
        bool_or(event_type = 'purchase') as has_purchase
    from events
    group by session_id, coalesce(category_l1, 'unknown')
),

per_day as (
    select
        session_date,
        category_l1,
        {{ funnel_step_counts('has_purchase') }}
    from session_categories
    group by session_date, category_l1
),

dated as (
    select
        per_day.*,
        date_loads.load_ids
    from per_day
    inner join date_loads on per_day.session_date = date_loads.event_date
),

final as (
    select
        session_date,
        category_l1,
        sessions,
        view_sessions,
        cart_sessions,
        purchase_sessions,
        cart_purchase_sessions,
        purchase_without_cart_sessions,
        {{ funnel_rates() }},
        load_ids
    from dated
)

select * from final
