{{ config(**incremental_partitions('event_date', 'stg_events')) }}
-- Bronze rows that parsed but cannot be silver events, every copy kept, with the reason.
-- Incremental by event date: a date depends on its own bronze rows only.
{%- set rebuilt = partitions_to_rebuild() %}
with

events as (
    select * from {{ ref('stg_events') }}
    where invalid_reason is not null
    {%- if rebuilt is not none %}
        and {{ in_dates('event_date', rebuilt) }}
    {%- endif %}
),

final as (
    select
        event_date,
        event_at,
        event_type,
        product_id,
        category_id,
        category_code,
        brand,
        price,
        user_id,
        user_session,
        source_file,
        load_id,
        invalid_reason
    from events
)

select * from final
