-- One row per valid, unique event: typed, text normalised, exact duplicates removed.
with

source as (
    select * from {{ source('bronze', 'events') }}
),

renamed as (
    select
        cast(timezone('UTC', event_time) as timestamp) as event_at,
        cast(event_type as varchar) as event_type,
        product_id,
        category_id,
        nullif(lower(trim(category_code)), '') as category_code,
        nullif(lower(trim(brand)), '') as brand,
        price,
        user_id,
        nullif(user_session, '') as user_session,
        cast(source_file as varchar) as source_file,
        event_date
    from source
),

deduplicated as (
    -- Exact duplicate rows (same values in every source column) are kept once.
    select
        event_at,
        event_type,
        product_id,
        category_id,
        category_code,
        brand,
        price,
        user_id,
        user_session,
        min(source_file) as source_file,
        count(*) as copies
    from renamed
    where
        event_at >= cast('{{ var("start_date") }}' as timestamp)
        and event_at < cast('{{ var("end_date") }}' as timestamp)
    group by all
),

final as (
    select
        md5(
            concat_ws(
                '|',
                cast(event_at as varchar),
                event_type,
                cast(product_id as varchar),
                cast(user_id as varchar),
                coalesce(user_session, ''),
                cast(price as varchar),
                cast(category_id as varchar),
                coalesce(category_code, ''),
                coalesce(brand, '')
            )
        ) as event_key,
        event_at,
        cast(event_at as date) as event_date,
        event_type,
        product_id,
        category_id,
        category_code,
        split_part(category_code, '.', 1) as category_l1,
        nullif(split_part(category_code, '.', 2), '') as category_l2,
        nullif(split_part(category_code, '.', 3), '') as category_l3,
        brand,
        price,
        user_id,
        user_session,
        source_file,
        copies - 1 as duplicates_removed
    from deduplicated
)

select * from final
