-- One row per bronze row, typed and renamed, text normalised (lowercased, trimmed, empty as
-- null), with the reason it cannot be an event (null for one that can). A view: the
-- intermediate models read bronze through it.
with

source as (
    select * from {{ source('bronze', 'events') }}
),

renamed as (
    select
        {{ utc_timestamp('event_time') }} as event_at,
        event_date,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        product_id,
        category_id,
        nullif(lower(trim(category_code)), '') as category_code,
        nullif(lower(trim(brand)), '') as brand,
        price,
        user_id,
        nullif(user_session, '') as user_session,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(load_id as {{ dbt.type_string() }}) as load_id
    from source
),

final as (
    select
        *,
        {{ invalid_event_reason() }} as invalid_reason
    from renamed
)

select * from final
