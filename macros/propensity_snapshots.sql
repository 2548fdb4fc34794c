{#-
    The feature snapshots of the propensity model as rows (snapshot, snapshot_position,
    cutoff_date, label_end_date): train, validation and evaluation at their cutoff vars, and
    `score` at `latest_cutoff` (the day after the data ends, no label). `snapshot_position` (1-4)
    is the snapshot's place in propensity_snapshot_names(); its bit, 1 << (position - 1), lets a
    row carry in one small integer every snapshot whose history it falls into (see
    count_per_snapshot). Fails at compile time, naming the var, when a label window would reach
    past the evaluation cutoff: that is leakage into the evaluation.
-#}
{% macro propensity_snapshots(latest_cutoff) -%}
    {%- set label_days = var('propensity_label_days') | int -%}
    {%- set cutoffs = {
        'train': var('propensity_train_cutoff'),
        'validation': var('propensity_validation_cutoff'),
        'evaluation': var('propensity_evaluation_cutoff'),
    } -%}
    {%- set parsed = {} -%}
    {%- for name, value in cutoffs.items() -%}
        {%- set parsed_date = modules.datetime.datetime.strptime(value | string, '%Y-%m-%d') -%}
        {%- do parsed.update({name: parsed_date}) -%}
    {%- endfor -%}
    {%- if label_days < 1 or (var('propensity_history_days') | int) < 8 -%}
        {{ exceptions.raise_compiler_error(
            "propensity_label_days must be >= 1 and propensity_history_days >= 8 (the 7-day window "
            ~ "needs earlier days to compare with)") }}
    {%- endif -%}
    {%- for name in ['train', 'validation'] -%}
        {%- set label_end = parsed[name] + modules.datetime.timedelta(days=label_days) -%}
        {%- if label_end > parsed['evaluation'] -%}
            {{ exceptions.raise_compiler_error(
                "propensity_" ~ name ~ "_cutoff " ~ cutoffs[name] ~ " + propensity_label_days "
                ~ label_days ~ " reaches past propensity_evaluation_cutoff " ~ cutoffs['evaluation']
                ~ ": its labels would overlap the evaluation period") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if parsed['train'] >= parsed['validation'] -%}
        {{ exceptions.raise_compiler_error(
            "propensity_train_cutoff must be before propensity_validation_cutoff (early stopping "
            ~ "validates on a later period than the model is fitted on)") }}
    {%- endif -%}
    {%- for name in propensity_snapshot_names() if name != 'score' %}
    select
        '{{ name }}' as snapshot,
        {{ loop.index }} as snapshot_position,
        cast('{{ cutoffs[name] }}' as date) as cutoff_date,
        cast({{ dbt.dateadd('day', label_days, "cast('" ~ cutoffs[name] ~ "' as date)") }} as date)
            as label_end_date
    union all
    {%- endfor %}
    select
        'score' as snapshot,
        {{ propensity_snapshot_names().index('score') + 1 }} as snapshot_position,
        {{ latest_cutoff }} as cutoff_date,
        cast(null as date) as label_end_date
{%- endmacro %}


{#- The snapshot names in position order, score last (see propensity_snapshots). -#}
{% macro propensity_snapshot_names() -%}
    {{ return(['train', 'validation', 'evaluation', 'score']) }}
{%- endmacro %}


{#-
    A list of counts, one per snapshot in snapshot_position order: the rows whose `bits`
    expression has that snapshot's bit set. One grouping then counts all four snapshots.
-#}
{% macro count_per_snapshot(bits) -%}
    [
    {%- for name in propensity_snapshot_names() -%}
        count(*) filter (where ({{ bits }}) & {{ 2 ** loop.index0 }} != 0)
        {%- if not loop.last %}, {% endif -%}
    {%- endfor -%}
    ]
{%- endmacro %}


{#-
    The snapshots with their input span and an input fingerprint, from the events relation
    `events` (stg_events): the days a snapshot reads run from history_days before its cutoff to
    the end of its label window (the score snapshot: to its cutoff). The fingerprint hashes the
    snapshot's dates and windows with the sorted ids of every load that has events in that span,
    so it changes exactly when the snapshot's input can have changed: a new or re-delivered file
    with events in the span, or other cutoff vars. An incremental build recomputes only the
    snapshots whose fingerprint changed (see changed_propensity_snapshots).
-#}
{% macro propensity_snapshot_inputs(events) -%}
    {%- set history_days = var('propensity_history_days') | int -%}
    with snapshots as (
        {{ propensity_snapshots(
            '(select cast(' ~ dbt.dateadd('day', 1, 'max(event_date)') ~ ' as date) from ' ~ events ~ ')'
        ) }}
    ),

    spans as (
        select
            *,
            cast({{ dbt.dateadd('day', -history_days, 'cutoff_date') }} as date) as span_start,
            coalesce(label_end_date, cutoff_date) as span_end
        from snapshots
    ),

    date_loads as (
        select distinct
            event_date,
            cast(load_id as varchar) as load_id
        from {{ events }}
    ),

    span_loads as (
        select
            spans.snapshot,
            list_sort(list(distinct date_loads.load_id) filter (where date_loads.load_id is not null))
                as load_ids
        from spans
        left join date_loads
            on
                date_loads.event_date >= spans.span_start
                and date_loads.event_date < spans.span_end
        group by spans.snapshot
    )

    select
        spans.snapshot,
        spans.snapshot_position,
        spans.cutoff_date,
        spans.label_end_date,
        spans.span_start,
        spans.span_end,
        hash(
            spans.snapshot,
            spans.cutoff_date,
            spans.label_end_date,
            spans.span_start,
            span_loads.load_ids
        ) as input_fingerprint
    from spans
    inner join span_loads
        on spans.snapshot = span_loads.snapshot
{%- endmacro %}


{#-
    For an incremental build of propensity_features: the snapshots whose input fingerprint
    differs from the one they were built with (or that are missing), as rows of (snapshot,
    span_start, span_end) with the dates as 'YYYY-MM-DD' strings. Empty when nothing changed.
-#}
{% macro changed_propensity_snapshots(events) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do require_column(this, 'input_fingerprint') -%}
    {%- set query -%}
        with inputs as (
            {{ propensity_snapshot_inputs(events) }}
        ),

        built as (
            select distinct
                snapshot,
                input_fingerprint
            from {{ this }}
        )

        select
            inputs.snapshot,
            cast(inputs.span_start as varchar) as span_start,
            cast(inputs.span_end as varchar) as span_end
        from inputs
        left join built
            on
                inputs.snapshot = built.snapshot
                and inputs.input_fingerprint = built.input_fingerprint
        where built.snapshot is null
        order by inputs.snapshot_position
    {%- endset -%}
    {{ return(run_query(query).rows | map('list') | list) }}
{%- endmacro %}


{#-
    Pre-hook of propensity_features: delete the rows of snapshots whose input fingerprint is no
    longer current. delete+insert replaces the snapshots it recomputes anyway; this also removes
    a changed snapshot that now has no users at all, which delete+insert alone would keep.
-#}
{% macro delete_stale_propensity_snapshots(events) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where input_fingerprint not in (
            select inputs.input_fingerprint
            from ({{ propensity_snapshot_inputs(events) }}) as inputs
        )
    {%- endif -%}
{%- endmacro %}


{#-
    The number of distinct days in `day_column` (1 to `history_days`) per group, as one bit per
    day: the bits fit one integer up to 62 days, whose state is a fixed 8 bytes; a longer
    history takes a bitstring, whose state is allocated per group.
-#}
{% macro count_active_days(day_column, history_days) -%}
    {%- if history_days | int <= 62 -%}
        cast(bit_count(bit_or(cast(1 as bigint) << {{ day_column }})) as bigint)
    {%- else -%}
        cast(bit_count(bitstring_agg({{ day_column }}, 1, {{ history_days }})) as bigint)
    {%- endif -%}
{%- endmacro %}
