{#-
    The session start dates an incremental session model rebuilds for `new_dates`: those dates and
    the session_lookback_days before them (a session can run past midnight). One rule for the
    model's query and for its pre-hook that deletes the same dates (delete_rows_on_dates).
-#}
{% macro rebuilt_session_dates(new_dates) -%}
    {{ return(date_window(new_dates, days_before=var('session_lookback_days'))) }}
{%- endmacro %}
