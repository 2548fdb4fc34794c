{{ config(**incremental_partitions('purchase_date', 'int_events')) }}
-- One row per purchased item (the source logs one purchase event per product bought; quantity
-- is not recorded, so each row is one unit). Incremental by date: a date depends on its events
-- in int_events, whose lineage already covers the days before that can change their sessions.
{%- set rebuilt = partitions_to_rebuild() %}
with

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', rebuilt) }}
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
