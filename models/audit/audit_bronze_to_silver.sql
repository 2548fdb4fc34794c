{{ config(**incremental_partitions('event_date', 'stg_events')) }}
-- Per source file and bronze date: every bronze row is a silver event, a removed duplicate or a
-- rejected row with a reason. assert_bronze_reconciles_with_silver fails the build otherwise.
-- Of identical rows the copy from the first file name is the silver event; every other copy is
-- a removed duplicate of its own file (int_events.duplicate_files), so a late file that repeats
-- rows of its month reconciles file by file. Incremental by bronze date: a date's counts
-- depend on its own bronze rows only (a duplicate shares its original's time, so its date).
{%- set rebuilt = partitions_to_rebuild() %}
with

bronze as (
    -- stg_events has one row per bronze row, every row and copy included.
    select * from {{ ref('stg_events') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', rebuilt) }}
    {%- endif %}
),

events as (
    select * from {{ ref('int_events') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', rebuilt) }}
    {%- endif %}
),

rejected as (
    select * from {{ ref('int_events_rejected') }}
    {%- if rebuilt is not none %}
        where {{ in_dates('event_date', rebuilt) }}
    {%- endif %}
),

bronze_counts as (
    select
        event_date,
        source_file,
        count(*) as bronze_rows
    from bronze
    group by event_date, source_file
),

rejected_counts as (
    -- From the rejected table, not from bronze: a row missing there is unaccounted for.
    select
        event_date,
        source_file,
        count(*) filter (where invalid_reason = 'missing_value') as rejected_missing_value,
        count(*) filter (where invalid_reason = 'outside_date_range') as rejected_outside_date_range,
        count(*) filter (
            where invalid_reason = 'non_positive_purchase_price'
        ) as rejected_non_positive_purchase_price,
        count(*) as rejected_rows
    from rejected
    group by event_date, source_file
),

silver_counts as (
    select
        event_date,
        source_file,
        count(*) as silver_rows
    from events
    group by event_date, source_file
),

removed_copies as (
    select
        event_date,
        {{ explode_list('duplicate_files') }} as source_file
    from events
    where duplicate_files is not null
),

duplicate_counts as (
    select
        event_date,
        source_file,
        count(*) as duplicates_removed
    from removed_copies
    group by event_date, source_file
),

joined as (
    select
        coalesce(b.event_date, s.event_date, r.event_date, d.event_date) as event_date,
        coalesce(b.source_file, s.source_file, r.source_file, d.source_file) as source_file,
        coalesce(b.bronze_rows, 0) as bronze_rows,
        coalesce(s.silver_rows, 0) as silver_rows,
        coalesce(d.duplicates_removed, 0) as duplicates_removed,
        coalesce(r.rejected_missing_value, 0) as rejected_missing_value,
        coalesce(r.rejected_outside_date_range, 0) as rejected_outside_date_range,
        coalesce(r.rejected_non_positive_purchase_price, 0) as rejected_non_positive_purchase_price,
        coalesce(r.rejected_rows, 0) as rejected_rows
    from bronze_counts as b
    full outer join silver_counts as s
        on b.event_date = s.event_date and b.source_file = s.source_file
    full outer join rejected_counts as r
        on
            coalesce(b.event_date, s.event_date) = r.event_date
            and coalesce(b.source_file, s.source_file) = r.source_file
    full outer join duplicate_counts as d
        on
            coalesce(b.event_date, s.event_date, r.event_date) = d.event_date
            and coalesce(b.source_file, s.source_file, r.source_file) = d.source_file
),

final as (
    select
        event_date,
        source_file,
        bronze_rows,
        silver_rows,
        duplicates_removed,
        rejected_missing_value,
        rejected_outside_date_range,
        rejected_non_positive_purchase_price,
        rejected_rows,
        bronze_rows - silver_rows - duplicates_removed - rejected_rows as unaccounted_rows
    from joined
)

select * from final
