{#-
    Pre-hook for incremental models keyed by load: delete this model's rows whose load is no
    longer in `upstream` (a `load --force` replaced the file). Rows of dates that still have
    data are rebuilt by delete+insert anyway; this removes the rows of dates the corrected
    file no longer has, which delete+insert alone would keep. Used by stg_events_rejected, whose
    rows carry no session, so no neighbouring day changes with them; the models incremental by
    date rebuild the dates of replaced loads and their neighbours instead (changed_dates).
-#}
{% macro delete_replaced_loads(upstream) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where load_id not in (select distinct cast(load_id as varchar) from {{ upstream }})
    {%- endif -%}
{%- endmacro %}
