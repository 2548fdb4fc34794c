-- Nothing is lost between bronze and silver: per source file and date, bronze rows equal silver
-- events + removed duplicates + rejected rows. Returns the dates and files that do not add up.
select
    event_date,
    source_file,
    bronze_rows,
    silver_rows,
    duplicates_removed,
    rejected_rows,
    unaccounted_rows
from {{ ref('audit_bronze_to_silver') }}
where unaccounted_rows <> 0
