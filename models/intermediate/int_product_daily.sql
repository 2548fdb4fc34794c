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

per_price as (
    select
        event_date,
        product_id,
        price,
        max(recency_key) as latest_key,
        max_by(
            {{ struct_of(['category_id', 'category_code', 'category_l1', 'category_l2', 'category_l3', 'brand']) }},
            recency_key
        ) as latest,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at,
        count(*) filter (where event_type = 'view') as views,
        count(*) filter (where event_type = 'cart') as carts,
        count(*) filter (where event_type = 'purchase') as purchases
    from ordered
    group by event_date, product_id, price
),

final as (
    select
        event_date,
        product_id,
        price,
        latest_key,
        latest['category_id'] as category_id,
        latest['category_code'] as category_code,
        latest['category_l1'] as category_l1,
        latest['category_l2'] as category_l2,
        latest['category_l3'] as category_l3,
        latest['brand'] as brand,
        first_seen_at,
        last_seen_at,
        views,
        carts,
        purchases
    from per_price
)

select * from final
