{#-
    How int_product_state brings itself up to date, decided once from the table as it stands
    (the model's query and its pre-hook both ask, before either changes anything):
    - 'full': not incremental (first build, --full-refresh);
    - 'none': no new load and no replaced one: nothing to do;
    - 'merge': every new date lies after the last event already folded in (a new month): the
      new dates are aggregated alone and merged into the stored rows, since each column is a
      latest, a lowest, a highest, a set or a sum, and those combine exactly over disjoint events;
    - 'rebuild': anything else (a `load --force` of an old month, a late file for dates already
      folded in): aggregates cannot give back what a replaced load added, so everything is
      recomputed from silver.
    Returns {'mode': ..., 'dates': the new dates ('YYYY-MM-DD' strings)}.
-#}
{% macro product_state_mode() -%}
    {%- if not execute or not is_incremental() -%}
        {{ return({'mode': 'full', 'dates': []}) }}
    {%- endif -%}
    {%- set new_dates = new_load_dates(ref('stg_events')) -%}
    {%- set query -%}
        select
            cast(cast(max(last_seen_at) as date) as varchar) as folded_through,
            count(*) filter (
                where load_id not in (select distinct cast(load_id as varchar) from {{ ref('stg_events') }})
            ) as replaced_rows
        from {{ this }}
    {%- endset -%}
    {%- set row = run_query(query).rows[0] -%}
    {%- set folded_through, replaced_rows = row[0], row[1] -%}
    {%- if new_dates | length == 0 and replaced_rows == 0 -%}
        {{ return({'mode': 'none', 'dates': []}) }}
    {%- elif new_dates | length > 0 and replaced_rows == 0
        and (folded_through is none or new_dates[0] > folded_through) -%}
        {{ return({'mode': 'merge', 'dates': new_dates}) }}
    {%- else -%}
        {{ return({'mode': 'rebuild', 'dates': new_dates}) }}
    {%- endif -%}
{%- endmacro %}


{#- Pre-hook of int_product_state: empty the table before a rebuild (products can disappear). -#}
{% macro delete_product_state_before_rebuild() -%}
    {%- if product_state_mode()['mode'] == 'rebuild' -%}
        delete from {{ this }}
    {%- endif -%}
{%- endmacro %}
