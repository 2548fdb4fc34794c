{#-
    The filter on int_events for a model incremental by session start date: the events of the
    sessions that started on the `rebuilt` dates ('YYYY-MM-DD' strings), read from the days those
    sessions can span. Every event carries its session's start (int_events), so no day before
    the sessions' first is needed.
-#}
{% macro session_events_filter(rebuilt) -%}
    ({{ in_dates('event_date', date_window(rebuilt, days_after=var('session_lookback_days'))) }}
    and {{ in_dates('cast(session_started_at as date)', rebuilt) }})
{%- endmacro %}
