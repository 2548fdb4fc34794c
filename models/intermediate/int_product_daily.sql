{{ config(**incremental_partitions('event_date', 'int_events')) }}
-- One row per day, product and price: what dim_products folds into one row per product (the
-- latest category and brand, prices, activity). Incremental by day, so a new month aggregates
-- its own events and dim_products re-reads only these few rows per product and day, not every
-- event. "Latest" orders by event time, then event key (recency_key), so ties are deterministic.
{%- set rebuilt = partitions_to_rebuild() %}
with

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', rebuilt) }}
    {%- endif %}
),

ordered as (
    select
        *,
        {{ recency_key() }} as recency_key
    from events
),

final as (
    select
        event_date,
        product_id,
        price,
        max(recency_key) as latest_key,
        max_by(category_id, recency_key) as category_id,
        max_by(category_code, recency_key) as category_code,
        max_by(category_l1, recency_key) as category_l1,
        max_by(category_l2, recency_key) as category_l2,
        max_by(category_l3, recency_key) as category_l3,
        max_by(brand, recency_key) as brand,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchases
    from ordered
    group by event_date, product_id, price
)

select * from final
