{#-
    Every date from `days_before` days before to `days_after` days after each of `dates`
    ('YYYY-MM-DD' strings), sorted and without repeats. Incremental models use it to add the
    neighbouring days a session can span.
-#}
{% macro date_window(dates, days_before=0, days_after=0) -%}
    {%- set out = [] -%}
    {%- for d in dates -%}
        {%- set day = modules.datetime.date.fromisoformat(d) -%}
        {%- for offset in range(-days_before, days_after + 1) -%}
            {%- set value = (day + modules.datetime.timedelta(days=offset)).isoformat() -%}
            {%- if value not in out -%}
                {%- do out.append(value) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out | sort) }}
{%- endmacro %}
