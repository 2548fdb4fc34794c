{#-
    The session start dates an incremental session model rebuilds for `new_dates`: those dates and
    the session_lookback_days before them (a session can run past midnight). One rule for the
    model's query and for its pre-hook that deletes the same dates (delete_rows_on_dates).
-#}
{% macro rebuilt_session_dates(new_dates) -%}
    {{ return(date_window(new_dates, days_before=var('session_lookback_days'))) }}
{%- endmacro %}


{#-
    The filter on silver events for an incremental model by session start date: the events of
    the sessions that started on rebuilt_session_dates(new_dates), read from the days those
    sessions can span. Every event carries its session's start (stg_events), so no day before
    the sessions' first is needed.
-#}
{% macro rebuilt_session_events(new_dates) -%}
    {%- set lookback = var('session_lookback_days') -%}
    {{ in_dates('event_date', date_window(new_dates, days_before=lookback, days_after=lookback)) }}
    and {{ in_dates('cast(session_started_at as date)', rebuilt_session_dates(new_dates)) }}
{%- endmacro %}


{#-
    The newest load of each session start date that a build writes (every date when `new_dates`
    is none, a full build): the per-date lineage the session-keyed models (fct_sessions,
    int_view_baskets, funnel_by_category) join after their aggregation.
-#}
{% macro session_date_loads(upstream, new_dates) -%}
    {{ newest_load_per_date(upstream, rebuilt_session_dates(new_dates) if new_dates is not none else none) }}
{%- endmacro %}
