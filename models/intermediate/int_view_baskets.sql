-- One row per distinct product viewed in a session, for sessions that viewed at least 2 and at
-- most also_viewed_max_products products (longer ones are crawlers or endless scrolling: their
-- pairs grow quadratically and say little about what belongs together).
with

events as (
    select * from {{ ref('stg_events') }}
),

viewed as (
    select distinct
        session_id as basket_id,
        product_id
    from events
    where event_type = 'view'
),

final as (
    select
        basket_id,
        product_id
    from viewed
    qualify count(*) over (partition by basket_id) between 2 and {{ var('also_viewed_max_products') }}
)

select * from final
