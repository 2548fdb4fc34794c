{{ config(**incremental_partitions('snapshot', 'int_events', period='snapshot', spans='propensity_snapshot_spans')) }}
-- One row per user and feature snapshot: what the user did in the propensity_history_days days
-- before the snapshot's cutoff date (nothing on or after it), and, for the train, validation
-- and evaluation snapshots, whether they purchased in the label window that follows. The
-- score snapshot is cut the day after the data ends: the features a campaign is scored on.
-- Incremental by snapshot (incremental_partitions): a snapshot depends on the days from its
-- history's first to its label window's last, so a new month changes the score snapshot alone,
-- and a build reads only the days of the snapshots it rebuilds.
{%- set history_days = var('propensity_history_days') | int %}
{%- set rebuilt = partitions_to_rebuild() %}
{%- set read_span = propensity_read_span(rebuilt) if rebuilt is not none else none %}
with

events as {{ cte_materialization('not materialized') }} (
    -- Not materialized: every consumer scans the columns it needs from int_events, which is
    -- cheaper than writing 100M rows to a temporary result first.
    select
        user_id,
        session_id,
        event_date,
        event_hour,
        iso_weekday,
        event_type = 'view' as is_view,
        event_type = 'cart' as is_cart,
        event_type = 'remove_from_cart' as is_removal,
        event_type = 'purchase' as is_purchase,
        product_id,
        category_id,
        -- Brands are only counted: a number groups faster than the text.
        case when brand is not null then {{ row_hash(['brand']) }} end as brand_key,
        price
    from {{ ref('int_events') }}
    {%- if read_span is not none %}
        where
        {%- if read_span | length == 0 %} false
        {%- else %}
            event_date >= cast('{{ read_span[0] }}' as date)
            and event_date <= cast('{{ read_span[1] }}' as date)
        {%- endif %}
    {%- endif %}
),

bounds as (
    -- From all of int_events: in an incremental build `events` holds only the rebuilt spans.
    select cast({{ dbt.dateadd('day', 1, 'max(event_date)') }} as date) as latest_cutoff
    from {{ ref('int_events') }}
),

snapshots as (
    -- Constant rows: exact for the optimizer, which then keeps the join order below.
    select *
    from ({{ propensity_snapshots('(select bounds.latest_cutoff from bounds)') }}) as all_snapshots
    {%- if rebuilt is not none %}
        where {{ in_literals('snapshot', rebuilt) }}
    {%- endif %}
),

session_days as (
    -- Every session feature is a sum, count, min or max over days, so events are first folded
    -- into one row per session and day (about 4 events each); only these are joined to the
    -- snapshots, where each day falls into up to three overlapping 30-day histories.
    select
        user_id,
        session_id,
        event_date,
        cast(count(*) as integer) as events,
        cast(count(*) filter (where is_view) as integer) as views,
        cast(count(*) filter (where is_cart) as integer) as carts,
        cast(count(*) filter (where is_removal) as integer) as removals,
        cast(count(*) filter (where is_purchase) as integer) as purchases,
        -- Money as whole cents in a double: every partial sum is an integer below 2^53, so the
        -- sums are exact and the same in any order, with a smaller and faster state than
        -- DuckDB's 128-bit sum of a decimal (see session_activity).
        sum(cast(price * 100 as double)) filter (where is_purchase) as revenue_cents,
        sum(cast(price * 100 as double)) filter (where is_view) as viewed_cents,
        max(price) filter (where is_view) as max_viewed_price,
        cast(count(*) filter (where event_hour >= 18) as integer) as evening_events,
        cast(count(*) filter (where iso_weekday >= 6) as integer) as weekend_events
    from events
    group by user_id, session_id, event_date
),

session_history as (
    select
        snapshots.snapshot_position,
        session_days.*,
        cast(
            {{ dbt.datediff('session_days.event_date', 'snapshots.cutoff_date', 'day') }}
            as integer
        ) as days_before
    from session_days
    inner join snapshots
        on
            session_days.event_date < snapshots.cutoff_date
            and session_days.event_date
            >= {{ dbt.dateadd('day', -history_days, 'snapshots.cutoff_date') }}
),

session_activity as (
    -- Straight from the session-days: a session is counted once per day it was active, which
    -- differs from counting sessions only for the few that run past midnight, and saves
    -- regrouping every session of every snapshot.
    -- The model's largest aggregation (millions of groups of 25 aggregates at full scale), so its
    -- states are kept small: grouped on the snapshot's position rather than its name and cutoff,
    -- active days as bits of one integer, money as cents in a double (docs/architecture.md).
    select
        snapshot_position,
        user_id,
        min(days_before) as days_since_last_event,
        max(days_before) as days_since_first_event,
        min(days_before) filter (where purchases > 0) as days_since_last_purchase,
        min(days_before) filter (where carts > 0) as days_since_last_cart,
        -- One bit per day of the history, counted: count(distinct days_before) makes DuckDB
        -- split this aggregation in two and join the halves back.
        {{ count_active_days('days_before', history_days) }} as active_days,
        count(*) filter (where days_before = 1) as sessions_1d,
        count(*) filter (where days_before <= 7) as sessions_7d,
        count(*) as sessions,
        cast(coalesce(sum(events) filter (where days_before = 1), 0) as bigint) as events_1d,
        cast(coalesce(sum(events) filter (where days_before <= 7), 0) as bigint) as events_7d,
        cast(sum(events) as bigint) as events,
        cast(coalesce(sum(views) filter (where days_before <= 7), 0) as bigint) as views_7d,
        cast(sum(views) as bigint) as views,
        cast(coalesce(sum(carts) filter (where days_before <= 7), 0) as bigint) as carts_7d,
        cast(sum(carts) as bigint) as carts,
        cast(sum(removals) as bigint) as removals,
        cast(coalesce(sum(purchases) filter (where days_before <= 7), 0) as bigint) as purchases_7d,
        cast(sum(purchases) as bigint) as purchases,
        count(*) filter (where purchases > 0) as purchase_sessions,
        coalesce(sum(revenue_cents) filter (where days_before <= 7), 0) / 100 as revenue_7d,
        coalesce(sum(revenue_cents), 0) / 100 as revenue,
        {{ safe_divide('sum(viewed_cents) / 100', 'sum(views)') }} as mean_viewed_price,
        max(max_viewed_price) as max_viewed_price,
        {{ safe_divide('sum(revenue_cents) / 100', 'sum(purchases)') }} as mean_purchase_price,
        {{ safe_divide('sum(evening_events)', 'sum(events)') }} as evening_share,
        {{ safe_divide('sum(weekend_events)', 'sum(events)') }} as weekend_share
    from session_history
    group by snapshot_position, user_id
),

{%- set first_day = dbt.dateadd('day', -history_days, 'min(spans.cutoff_date)') %}
{%- set first_day = '(select ' ~ first_day ~ ' from snapshots as spans)' %}
{%- set last_day = '(select max(spans.cutoff_date) from snapshots as spans)' %}

-- Every calendar day from the first snapshot history's first day to the last cutoff.
calendar as (
    {{ series(first_day, last_day, step_days=1) }}
),

day_windows as (
    -- Every calendar day the snapshot histories cover, with the bits of all the snapshots whose
    -- history holds it: the product, category and brand features group all four histories in
    -- one pass instead of joining the events to the snapshots.
    select
        calendar.value as event_date,
        cast(bit_or(1 << (snapshots.snapshot_position - 1)) as smallint) as window_bits
    from calendar
    inner join snapshots
        on
            calendar.value < snapshots.cutoff_date
            and calendar.value >= {{ dbt.dateadd('day', -history_days, 'snapshots.cutoff_date') }}
    group by calendar.value
),

windowed_events as {{ cte_materialization('not materialized') }} (
    -- The events on those days, each with the bits of the histories it falls into.
    select
        events.*,
        day_windows.window_bits
    from events
    inner join day_windows
        on events.event_date = day_windows.event_date
),

user_products as (
    -- One row per user and product over all four histories at once, the snapshots it was seen,
    -- carted and bought in as bits: grouping (snapshot, user, product) instead would group
    -- twice as many rows into almost twice as many groups (a user rarely sees a product on
    -- more than one day, so there is little to fold).
    select
        user_id,
        product_id,
        bit_or(window_bits) as seen_bits,
        coalesce(bit_or(window_bits) filter (where is_cart), 0) as carted_bits,
        coalesce(bit_or(window_bits) filter (where is_purchase), 0) as purchased_bits
    from windowed_events
    group by user_id, product_id
),

user_categories as (
    -- Straight from the events, like the brands below: built from user_products instead, that
    -- 100M-row result would be materialised for its three consumers.
    select
        user_id,
        category_id,
        bit_or(window_bits) as seen_bits
    from windowed_events
    where category_id is not null
    group by user_id, category_id
),

user_brands as (
    select
        user_id,
        brand_key,
        bit_or(window_bits) as seen_bits
    from windowed_events
    where brand_key is not null
    group by user_id, brand_key
),

product_counts as (
    -- Per user, one count per snapshot: lists in snapshot_position order.
    select
        user_id,
        {{ count_per_snapshot('seen_bits') }} as products,
        {{ count_per_snapshot('carted_bits') }} as carted_products,
        {{ count_per_snapshot('purchased_bits') }} as purchased_products,
        {{ count_per_snapshot('carted_bits & ~purchased_bits') }} as abandoned_products
    from user_products
    group by user_id
),

category_counts as (
    select
        user_id,
        {{ count_per_snapshot('seen_bits') }} as categories
    from user_categories
    group by user_id
),

brand_counts as (
    select
        user_id,
        {{ count_per_snapshot('seen_bits') }} as brands
    from user_brands
    group by user_id
),

product_activity as (
    -- Back to one row per snapshot and user, for the snapshots the user saw a product in.
    select
        snapshots.snapshot_position,
        product_counts.user_id,
        {{ list_element('product_counts.products', 'snapshots.snapshot_position') }} as distinct_products,
        coalesce({{ list_element('category_counts.categories', 'snapshots.snapshot_position') }}, 0)
            as distinct_categories,
        coalesce({{ list_element('brand_counts.brands', 'snapshots.snapshot_position') }}, 0) as distinct_brands,
        {{ list_element('product_counts.carted_products', 'snapshots.snapshot_position') }} as carted_products,
        {{ list_element('product_counts.purchased_products', 'snapshots.snapshot_position') }}
            as purchased_products,
        {{ list_element('product_counts.abandoned_products', 'snapshots.snapshot_position') }}
            as abandoned_products
    from product_counts
    inner join snapshots
        on {{ list_element('product_counts.products', 'snapshots.snapshot_position') }} > 0
    left join category_counts
        on product_counts.user_id = category_counts.user_id
    left join brand_counts
        on product_counts.user_id = brand_counts.user_id
),

activity as (
    select
        snapshots.snapshot,
        snapshots.cutoff_date,
        session_activity.*,
        product_activity.distinct_products,
        product_activity.distinct_categories,
        product_activity.distinct_brands,
        product_activity.carted_products,
        product_activity.purchased_products,
        product_activity.abandoned_products
    from session_activity
    inner join snapshots
        on session_activity.snapshot_position = snapshots.snapshot_position
    inner join product_activity
        on
            session_activity.snapshot_position = product_activity.snapshot_position
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
        {{ safe_divide('cast(events_7d as double) / 7', 'cast(events - events_7d as double) / ' ~ (history_days - 7)) }}
            as activity_trend
    from activity
),

rfm_ranks as (
    -- RFM at the cutoff, ranked among the snapshot's buyers: on these few columns and joined
    -- back, because a window over `derived` would sort every feature column of every user.
    select
        snapshot,
        user_id,
        {{ score_by_rank('days_since_last_purchase desc', 'snapshot') }} as r_score,
        {{ score_by_rank('revenue', 'snapshot') }} as m_score
    from activity
    where purchases > 0
),

scored as (
    -- 0 = no purchase in the history.
    select
        derived.*,
        coalesce(rfm_ranks.r_score, 0) as r_score,
        case
            when derived.purchases > 0
                then
                    {{ score_by_thresholds('derived.purchase_sessions', var('rfm_frequency_thresholds')) }}
            else 0
        end as f_score,
        coalesce(rfm_ranks.m_score, 0) as m_score
    from derived
    left join rfm_ranks
        on
            derived.snapshot = rfm_ranks.snapshot
            and derived.user_id = rfm_ranks.user_id
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
