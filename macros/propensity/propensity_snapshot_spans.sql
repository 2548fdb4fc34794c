{#-
    The partitions of propensity_features for incremental_partitions: one row per snapshot with
    the first and last date it reads, (partition_key, first_date, last_date): from
    propensity_history_days before its cutoff to the last day of its label window (the score
    snapshot: to the day before its cutoff, the day after `input_dates`' last date).
    `input_dates` names a relation with one row per upstream date (column input_date).
-#}
{% macro propensity_snapshot_spans(input_dates) -%}
    select
        snapshot as partition_key,
        cast({{ dbt.dateadd('day', -(var('propensity_history_days') | int), 'cutoff_date') }} as date) as first_date,
        cast({{ dbt.dateadd('day', -1, 'coalesce(label_end_date, cutoff_date)') }} as date) as last_date
    from (
        {{ propensity_snapshots(
            '(select cast(' ~ dbt.dateadd('day', 1, 'max(input_date)') ~ ' as date) from ' ~ input_dates ~ ')'
        ) }}
    ) as snapshots
{%- endmacro %}
