{#- bronze.events' columns with no rows: the source before anything is loaded. -#}
{% macro empty_bronze_events() -%}
    select
        cast(null as {{ dbt.type_timestamp() }}) as event_time,
        cast(null as {{ dbt.type_string() }}) as event_type,
        cast(null as integer) as product_id,
        cast(null as bigint) as category_id,
        cast(null as {{ dbt.type_string() }}) as category_code,
        cast(null as {{ dbt.type_string() }}) as brand,
        cast(null as decimal(10, 2)) as price,
        cast(null as integer) as user_id,
        cast(null as {{ dbt.type_string() }}) as user_session,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as load_id,
        cast(null as date) as event_date,
        cast(null as {{ dbt.type_timestamp() }}) as loaded_at
    where false
{%- endmacro %}
