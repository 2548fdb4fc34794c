-- One row per purchased item (the source logs one purchase event per product bought; quantity
-- is not recorded, so each row is one unit).
with

events as (
    select * from {{ ref('stg_events') }}
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
        event_date as purchase_date
    from events
    where event_type = 'purchase'
)

select * from final
