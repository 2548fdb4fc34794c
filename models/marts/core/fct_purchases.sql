{{ config(**incremental_by_dates('purchase_date', "ref('stg_events')", rule='events')) }}
-- One row per purchased item (the source logs one purchase event per product bought; quantity
-- is not recorded, so each row is one unit). Incremental by date, like stg_events: a run
-- deletes and rebuilds only the changed dates and the day after each (a purchase there can
-- change session).
{%- set changed = changed_dates(ref('stg_events'), 'purchase_date') if is_incremental() else none %}
with

events as (
    select * from {{ ref('stg_events') }}
    {%- if changed is not none %}
        where {{ in_dates('event_date', rebuilt_event_dates(changed)) }}
    {%- endif %}
),

final as (
    select
        event_key as purchase_key,
        session_id,
        user_id,
        product_id,
        category_id,
        category_code,
        category_l1,
        category_l2,
        category_l3,
        brand,
        price,
        event_at as purchased_at,
        event_date as purchase_date,
        load_id
    from events
    where event_type = 'purchase'
)

select * from final
