{#- Every day of the periods ('day', 'week' or 'month') starting on `starts` ('YYYY-MM-DD'
    strings): the days a rollup by period reads to rebuild those periods. -#}
{% macro period_days(starts, period) -%}
    {%- set out = [] -%}
    {%- for s in starts -%}
        {%- set first = modules.datetime.date.fromisoformat(s) -%}
        {%- set day = namespace(value=first) -%}
        {%- for _ in range(31) -%}
            {%- set same_period = day.value == first if period == 'day'
                else (day.value - first).days < 7 if period == 'week'
                else day.value.month == first.month -%}
            {%- if same_period -%}
                {%- do out.append(day.value.isoformat()) -%}
            {%- endif -%}
            {%- set day.value = day.value + modules.datetime.timedelta(days=1) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
