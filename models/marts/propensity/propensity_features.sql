-- One row per user and feature snapshot: what the user did in the propensity_history_days days
-- before the snapshot's cutoff date (nothing on or after it), and, for the train, validation
-- and evaluation snapshots, whether they purchased in the label window that follows. The
-- score snapshot is cut the day after the data ends: the features a campaign is scored on.
{%- set history_days = var('propensity_history_days') | int %}
with

events as (
    -- A 64-bit hash keys a session within its user: grouping on it is far cheaper than on the
    -- 32-character id, and two sessions of one user colliding is a 1 in 10^18 event.
    select
        user_id,
        hash(session_id) as session_key,
        event_date,
        event_hour,
        iso_weekday,
        event_type = 'view' as is_view,
        event_type = 'cart' as is_cart,
        event_type = 'remove_from_cart' as is_removal,
        event_type = 'purchase' as is_purchase,
        product_id,
        category_id,
        brand,
        price
    from {{ ref('stg_events') }}
),

bounds as (
    select cast({{ dbt.dateadd('day', 1, 'max(event_date)') }} as date) as latest_cutoff
    from events
),

snapshots as (
    {{ propensity_snapshots('(select bounds.latest_cutoff from bounds)') }}
),

history as (
    select
        snapshots.snapshot,
        snapshots.cutoff_date,
        events.*,
        cast(
            {{ dbt.datediff('events.event_date', 'snapshots.cutoff_date', 'day') }}
            as integer
        ) as days_before
    from events
    inner join snapshots
        on
            events.event_date < snapshots.cutoff_date
            and events.event_date >= {{ dbt.dateadd('day', -history_days, 'snapshots.cutoff_date') }}
),

per_session as (
    -- Two narrow aggregations instead of one wide one with a dozen count(distinct): per
    -- session here, per product below; the user level then only sums.
    select
        snapshot,
        cutoff_date,
        user_id,
        session_key,
        min(days_before) as last_day_before,
        max(days_before) as first_day_before,
        min(days_before) filter (where is_purchase) as last_purchase_day_before,
        min(days_before) filter (where is_cart) as last_cart_day_before,
        count(*) filter (where days_before = 1) as events_1d,
        count(*) filter (where days_before <= 7) as events_7d,
        count(*) as events,
        count(*) filter (where is_view and days_before <= 7) as views_7d,
        count(*) filter (where is_view) as views,
        count(*) filter (where is_cart and days_before <= 7) as carts_7d,
        count(*) filter (where is_cart) as carts,
        count(*) filter (where is_removal) as removals,
        count(*) filter (where is_purchase and days_before <= 7) as purchases_7d,
        count(*) filter (where is_purchase) as purchases,
        sum(price) filter (where is_purchase and days_before <= 7) as revenue_7d,
        sum(price) filter (where is_purchase) as revenue,
        sum(price) filter (where is_view) as viewed_price_total,
        max(price) filter (where is_view) as max_viewed_price,
        count(*) filter (where event_hour >= 18) as evening_events,
        count(*) filter (where iso_weekday >= 6) as weekend_events
    from history
    group by snapshot, cutoff_date, user_id, session_key
),

per_product as (
    select
        snapshot,
        user_id,
        product_id,
        any_value(category_id) as category_id,
        any_value(brand) as brand,
        bool_or(is_cart) as was_carted,
        bool_or(is_purchase) as was_purchased
    from history
    group by snapshot, user_id, product_id
),

session_activity as (
    select
        snapshot,
        cutoff_date,
        user_id,
        min(last_day_before) as days_since_last_event,
        max(first_day_before) as days_since_first_event,
        min(last_purchase_day_before) as days_since_last_purchase,
        min(last_cart_day_before) as days_since_last_cart,
        count(distinct first_day_before) as active_days,
        count(*) filter (where last_day_before = 1) as sessions_1d,
        count(*) filter (where last_day_before <= 7) as sessions_7d,
        count(*) as sessions,
        cast(sum(events_1d) as bigint) as events_1d,
        cast(sum(events_7d) as bigint) as events_7d,
        cast(sum(events) as bigint) as events,
        cast(sum(views_7d) as bigint) as views_7d,
        cast(sum(views) as bigint) as views,
        cast(sum(carts_7d) as bigint) as carts_7d,
        cast(sum(carts) as bigint) as carts,
        cast(sum(removals) as bigint) as removals,
        cast(sum(purchases_7d) as bigint) as purchases_7d,
        cast(sum(purchases) as bigint) as purchases,
        count(*) filter (where purchases > 0) as purchase_sessions,
        coalesce(sum(revenue_7d), 0) as revenue_7d,
        coalesce(sum(revenue), 0) as revenue,
        {{ safe_divide('sum(viewed_price_total)', 'sum(views)') }} as mean_viewed_price,
        max(max_viewed_price) as max_viewed_price,
        {{ safe_divide('sum(revenue)', 'sum(purchases)') }} as mean_purchase_price,
        {{ safe_divide('sum(evening_events)', 'sum(events)') }} as evening_share,
        {{ safe_divide('sum(weekend_events)', 'sum(events)') }} as weekend_share
    from per_session
    group by snapshot, cutoff_date, user_id
),

product_activity as (
    select
        snapshot,
        user_id,
        count(*) as distinct_products,
        count(distinct category_id) as distinct_categories,
        count(distinct brand) as distinct_brands,
        count(*) filter (where was_carted) as carted_products,
        count(*) filter (where was_purchased) as purchased_products,
        count(*) filter (where was_carted and not was_purchased) as abandoned_products
    from per_product
    group by snapshot, user_id
),

activity as (
    select
        session_activity.*,
        product_activity.distinct_products,
        product_activity.distinct_categories,
        product_activity.distinct_brands,
        product_activity.carted_products,
        product_activity.purchased_products,
        product_activity.abandoned_products
    from session_activity
    inner join product_activity
        on
            session_activity.snapshot = product_activity.snapshot
            and session_activity.user_id = product_activity.user_id
),

labels as (
    select
        snapshots.snapshot,
        events.user_id,
        count(*) as label_purchases,
        sum(events.price) as label_revenue
    from events
    inner join snapshots
        on
            events.event_date >= snapshots.cutoff_date
            and events.event_date < snapshots.label_end_date
    where events.is_purchase
    group by snapshots.snapshot, events.user_id
),

derived as (
    select
        activity.*,
        {{ safe_divide('carts', 'views') }} as view_to_cart_rate,
        {{ safe_divide('purchases', 'carts') }} as cart_to_purchase_rate,
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate,
        {{ safe_divide('abandoned_products', 'carted_products') }} as cart_abandonment_rate,
        {{ safe_divide('events', 'sessions') }} as events_per_session,
        -- Events per day in the last 7 days against the days before them: > 1 = warming up.
        {{ safe_divide('events_7d / 7.0', '(events - events_7d) / ' ~ (history_days - 7) ~ '.0') }}
            as activity_trend
    from activity
),

scored as (
    -- RFM at the cutoff, ranked among the snapshot's buyers; 0 = no purchase in the history.
    select
        *,
        case
            when purchases > 0
                then
                    {{ score_by_rank('days_since_last_purchase desc', 'snapshot, purchases > 0') }}
            else 0
        end as r_score,
        case
            when purchases > 0
                then
                    {{ score_by_thresholds('purchase_sessions', var('rfm_frequency_thresholds')) }}
            else 0
        end as f_score,
        case
            when purchases > 0
                then
                    {{ score_by_rank('revenue', 'snapshot, purchases > 0') }}
            else 0
        end as m_score
    from derived
),

final as (
    select
        scored.snapshot,
        scored.cutoff_date,
        scored.user_id,
        scored.days_since_last_event,
        scored.days_since_first_event,
        scored.days_since_last_purchase,
        scored.days_since_last_cart,
        scored.active_days,
        scored.sessions_1d,
        scored.sessions_7d,
        scored.sessions,
        scored.events_1d,
        scored.events_7d,
        scored.events,
        scored.views_7d,
        scored.views,
        scored.carts_7d,
        scored.carts,
        scored.removals,
        scored.purchases_7d,
        scored.purchases,
        scored.purchase_sessions,
        cast(scored.revenue_7d as decimal(18, 2)) as revenue_7d,
        cast(scored.revenue as decimal(18, 2)) as revenue,
        scored.distinct_products,
        scored.distinct_categories,
        scored.distinct_brands,
        scored.carted_products,
        scored.purchased_products,
        cast(scored.mean_viewed_price as double) as mean_viewed_price,
        cast(scored.max_viewed_price as double) as max_viewed_price,
        cast(scored.mean_purchase_price as double) as mean_purchase_price,
        scored.evening_share,
        scored.weekend_share,
        scored.view_to_cart_rate,
        scored.cart_to_purchase_rate,
        scored.session_conversion_rate,
        scored.cart_abandonment_rate,
        scored.events_per_session,
        scored.activity_trend,
        scored.r_score,
        scored.f_score,
        scored.m_score,
        case
            when scored.snapshot = 'score' then null
            else coalesce(labels.label_purchases, 0) > 0
        end as label_purchased,
        case
            when scored.snapshot = 'score' then null
            else cast(coalesce(labels.label_revenue, 0) as decimal(18, 2))
        end as label_revenue
    from scored
    left join labels
        on
            scored.snapshot = labels.snapshot
            and scored.user_id = labels.user_id
)

select * from final
