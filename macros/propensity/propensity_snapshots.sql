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
