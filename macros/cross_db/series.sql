{#- One row per value from `start` to `stop` (SQL expressions, inclusive), as column `value`:
    integers, or dates a day apart when `step_days` is given. A select statement. -#}
{% macro series(start, stop, step_days=none) -%}
    {{ return(adapter.dispatch('series', 'ecom')(start, stop, step_days)) }}
{%- endmacro %}

{% macro default__series(start, stop, step_days) -%}
    {%- if step_days is none -%}
        select unnest(generate_series({{ start }}, {{ stop }})) as value
    {%- else -%}
        select cast(unnest(generate_series({{ start }}, {{ stop }}, interval {{ step_days }} day)) as date) as value
    {%- endif -%}
{%- endmacro %}

{% macro spark__series(start, stop, step_days) -%}
    {%- if step_days is none -%}
        select explode(sequence({{ start }}, {{ stop }})) as value
    {%- else -%}
        select explode(sequence(cast({{ start }} as date), cast({{ stop }} as date), interval {{ step_days }} day)) as value
    {%- endif -%}
{%- endmacro %}
