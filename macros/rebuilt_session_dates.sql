{#-
    How far a change to one day reaches, with sessions repaired across midnight (stg_events):
    - the events of the session_lookback_days after a changed day can change session: their
      session started on it, or now starts anew because its events are gone. A model whose rows
      are events and carry their session (stg_events, fct_purchases) rebuilds those days too
      (rebuilt_event_dates);
    - a model keyed by session start date rebuilds the sessions that have events on any of
      those days: from session_lookback_days before a changed day (sessions that ran into it)
      to session_lookback_days after it (rebuilt_session_dates).
    A model that only counts a day's sessions per day (sales_by_category, the propensity
    features) needs neither: the next day's events fall into the same sessions as before, only
    the first of them may have a new id.
    For a new month, the days after it are empty and the day before it is the only neighbour
    rebuilt. `changed` are 'YYYY-MM-DD' strings (changed_dates).
-#}
{% macro rebuilt_event_dates(changed) -%}
    {{ return(date_window(changed, days_after=var('session_lookback_days'))) }}
{%- endmacro %}


{% macro rebuilt_session_dates(changed) -%}
    {%- set lookback = var('session_lookback_days') -%}
    {{ return(date_window(changed, days_before=lookback, days_after=lookback)) }}
{%- endmacro %}


{#-
    The filter on silver events for an incremental model by session start date: the events of
    the sessions that started on rebuilt_session_dates(changed), read from the days those
    sessions can span. Every event carries its session's start (stg_events), so no day before
    the sessions' first is needed.
-#}
{% macro rebuilt_session_events(changed) -%}
    {%- set session_dates = rebuilt_session_dates(changed) -%}
    ({{ in_dates('event_date', date_window(session_dates, days_after=var('session_lookback_days'))) }}
    and {{ in_dates('cast(session_started_at as date)', session_dates) }})
{%- endmacro %}


{#-
    The loads of each session start date that a build writes (every date when `changed` is none,
    a full build): the per-date lineage (`load_ids`) the session-keyed models (fct_sessions,
    int_view_baskets, funnel_by_category, funnel_daily, sales_daily) join after their
    aggregation.
-#}
{% macro session_date_loads(upstream, changed) -%}
    {{ date_load_rows(upstream, dates=rebuilt_session_dates(changed) if changed is not none else none) }}
{%- endmacro %}
