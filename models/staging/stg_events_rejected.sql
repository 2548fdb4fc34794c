{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='event_date',
        on_schema_change='fail',
        pre_hook="{{ delete_replaced_loads(source('bronze', 'events')) }}",
    )
}}
-- Bronze rows that parsed but cannot be silver events, every copy kept, with the reason.
{%- set target_dates = new_load_dates(source('bronze', 'events')) if is_incremental() else none %}
with

source as (
    select * from {{ source('bronze', 'events') }}
    {%- if target_dates is not none %}
        where {{ in_dates('event_date', target_dates) }}
    {%- endif %}
),

renamed as (
    select
        {{ utc_timestamp('event_time') }} as event_at,
        event_date,
        cast(event_type as varchar) as event_type,
        product_id,
        category_id,
        category_code,
        brand,
        price,
        user_id,
        user_session,
        cast(source_file as varchar) as source_file,
        cast(load_id as varchar) as load_id
    from source
),

classified as (
    select
        *,
        {{ invalid_event_reason() }} as invalid_reason
    from renamed
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
    from classified
    where invalid_reason is not null
)

select * from final
