{{ config(**incremental_partitions('session_date', 'int_events', depends_after=var('session_lookback_days'))) }}
-- The session funnel per day and top-level category: a session counts in a category's step if
-- it viewed, carted or bought a product of that category. Products without a category code
-- are under 'unknown'. Incremental by session start date, like int_view_baskets.
{%- set rebuilt = partitions_to_rebuild() %}
with

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ session_events_filter(rebuilt) }}
    {%- endif %}
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

final as (
    select
        session_date,
        category_l1,
        sessions,
        view_sessions,
        cart_sessions,
        purchase_sessions,
        view_cart_sessions,
        cart_purchase_sessions,
        purchase_without_cart_sessions,
        {{ funnel_rates() }}
    from per_day
)

select * from final
