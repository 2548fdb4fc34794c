{#-
    The event dates of `upstream` holding a row from a load newer than the newest load already in
    this model. Load ids are UTC timestamps (see bronze/_manifest.json), so "newer" is a string
    comparison, and a `load --force` of an old month gets a new id and is picked up like a new
    month. Returns a list of 'YYYY-MM-DD' strings, so the caller can filter with literals (DuckDB
    prunes hive partitions on literals, not on subqueries); none when the model is not built
    incrementally. A table built by an older version of this project, without `load_id`, stops
    the build with a message that names the table and the fix (require_column).
-#}
{% macro new_load_dates(upstream, date_column='event_date') -%}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do require_column(this, 'load_id') -%}
    {%- set query -%}
        select distinct changed_date from ({{ newer_load_dates_sql(upstream, date_column) }})
        order by changed_date
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- The query behind new_load_dates, one row per row of a newer load: changed_dates reuses it. -#}
{% macro newer_load_dates_sql(upstream, date_column) -%}
    select cast({{ date_column }} as varchar) as changed_date
    from {{ upstream }}
    where cast(load_id as varchar) > (
        select coalesce(max(built.load_id), '') from {{ this }} as built
    )
{%- endmacro %}


{#-
    The dates whose input changed since this model last built them, as 'YYYY-MM-DD' strings.
    `lineage` (by default the model's config, see incremental_by_dates) says how the model records
    where its rows came from:
    - 'rows' (stg_events, fct_purchases): each row keeps the load it came from (`load_id`). The
      changed dates are new_load_dates (a new or re-delivered file's dates) and the dates of
      this model's `date_column` whose rows came from a load that `upstream` no longer holds (a
      re-delivered file that lost them).
    - 'dates' (the models whose rows are sessions or per-day aggregates): each row keeps every
      load that delivered its date (`load_ids`, date_load_sets). The changed dates are those
      whose set of loads in `upstream` differs from the stored one, those gone from `upstream`,
      and the dates new to this model that hold a load newer than any it has seen. A date two
      files deliver (a month and a late file for its last days) keeps both: when the older one
      is re-delivered without that date, the date's newest load is unchanged but its set is not.
    Without the lost dates a replaced load's rows went with it, but nothing rebuilt the days
    around them: the sessions that ran into a lost day from the day before, or on from it into
    the next day, kept events that no longer exist. Every model incremental by date deletes and
    rebuilds these dates (and the neighbours its rule adds: rebuilt_event_dates,
    rebuilt_session_dates), so no row of a replaced load survives a build.
-#}
{% macro changed_dates(upstream, date_column, upstream_date_column='event_date', lineage=none) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return([]) }}
    {%- endif -%}
    {#- The model's config says it once (incremental_by_dates), for its query and its pre-hook. -#}
    {%- set lineage = lineage or config.get('lineage', 'rows') -%}
    {%- if lineage == 'rows' -%}
        {%- do require_column(this, 'load_id') -%}
        {#- One round trip for both parts: the model's body and its pre-hook each ask. -#}
        {%- set query -%}
            {{ newer_load_dates_sql(upstream, upstream_date_column) }}
            union
            select cast({{ date_column }} as varchar) as changed_date
            from {{ this }}
            where load_id not in (select distinct cast(load_id as varchar) from {{ upstream }})
            order by changed_date
        {%- endset -%}
    {%- elif lineage == 'dates' -%}
        {%- do require_column(this, 'load_ids') -%}
        {%- set query -%}
            with current_loads as (
                {{ date_load_sets(upstream, upstream_date_column) }}
            ),

            built_loads as (
                -- A build writes a date's rows together, with one set: any_value picks it (a
                -- min over the lists took 5x as long at 20M events).
                select
                    {{ date_column }} as event_date,
                    any_value(load_ids) as load_ids
                from {{ this }}
                group by {{ date_column }}
            ),

            newest_built as (
                select coalesce(max(load_ids[-1]), '') as load_id
                from built_loads
            )

            select cast(coalesce(current_loads.event_date, built_loads.event_date) as varchar) as changed_date
            from current_loads
            full outer join built_loads on current_loads.event_date = built_loads.event_date
            where
                (
                    built_loads.event_date is null
                    and current_loads.load_ids[-1] > (select newest_built.load_id from newest_built)
                )
                or current_loads.event_date is null
                or current_loads.load_ids <> built_loads.load_ids
            order by changed_date
        {%- endset -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("changed_dates: lineage must be 'rows' or 'dates', not '" ~ lineage ~ "'") }}
    {%- endif -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#-
    Every load that delivered each date of `upstream` (only `dates` when given), ascending: the
    lineage a model keeps per date rather than per row (`load_ids`), which changed_dates reads
    back. A model joins it after its aggregation, as constant rows (date_load_rows): a lineage
    aggregated per row (a max of the text load id) took twice int_view_baskets' time (16.0-16.9
    s against 7.5-8.5 s alone at 20M events).
-#}
{% macro date_load_sets(upstream, date_column='event_date', dates=none) -%}
    select
        {{ date_column }} as event_date,
        list_sort(list(distinct cast(load_id as varchar))) as load_ids
    from {{ upstream }}
    {%- if dates is not none %}
        where {{ in_dates(date_column, dates) }}
    {%- endif %}
    group by {{ date_column }}
{%- endmacro %}


{#-
    date_load_sets as constant rows, for a model to join after its aggregation: their count is
    exact for the optimizer, which then hashes the few days and streams the model's rows past
    them. Joined as a query, the days were estimated at a fraction of the events (a distinct or
    a list aggregate): DuckDB hashed the model's rows instead, and int_view_baskets took 10.7-10.9
    s from scratch at 20M events against 7.4 s, a December's fct_sessions insert 5.8-6.1 s
    against 4.0-4.2 s with these rows. Parsing, dbt unit tests (whose inputs are fixtures) and
    a compile without the upstream table (sqlfluff's in-memory `lint` target) get the query.
-#}
{% macro date_load_rows(upstream, date_column='event_date', dates=none) -%}
    {%- if execute and model.resource_type != 'unit_test' and load_relation(upstream) is not none -%}
        {#- The sets themselves come from date_load_sets, so both forms hold the same loads in the
            same order; one row per (date, load) reaches Jinja. -#}
        {%- set query -%}
            select
                cast(date_load_sets.event_date as varchar) as event_date,
                unnest(date_load_sets.load_ids) as load_id
            from ({{ date_load_sets(upstream, date_column, dates) }}) as date_load_sets
            order by event_date, load_id
        {%- endset -%}
        {%- set loads = {} -%}
        {%- for row in run_query(query).rows -%}
            {%- do loads.setdefault(row[0], []).append("'" ~ row[1] | replace("'", "''") ~ "'") -%}
        {%- endfor -%}
        {%- if loads | length == 0 %}
            select
                cast(null as date) as event_date,
                cast(null as varchar []) as load_ids
            where false
        {%- else %}
            select
                event_date,
                load_ids
            from (
                values
                {%- for day, ids in loads.items() %}
                    (cast('{{ day }}' as date), [{{ ids | join(', ') }}]){{ ',' if not loop.last }}
                {%- endfor %}
            ) as date_loads (event_date, load_ids)
        {%- endif -%}
    {%- else -%}
        {{ date_load_sets(upstream, date_column, dates) }}
    {%- endif -%}
{%- endmacro %}
