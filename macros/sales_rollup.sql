{#-
    Sales KPIs per `period` ('day', 'week' or 'month'): the rollup inside sales_daily/weekly/
    monthly. Buyers and visitors are distinct users within the period, so weeks and months are
    computed from the facts, not summed from days. Orders are purchase sessions; units are
    purchased items (one per purchase event). With `dates` ('YYYY-MM-DD' strings), only the
    purchases and sessions of those dates are read: the caller passes every day of the periods
    it rebuilds.
-#}
{% macro sales_rollup(period, dates=none) -%}
with

purchases as (
    select * from {{ ref('fct_purchases') }}
    {%- if dates is not none %}
        where {{ in_dates('purchase_date', dates) }}
    {%- endif %}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
    {%- if dates is not none %}
        where {{ in_dates('session_date', dates) }}
    {%- endif %}
),

purchase_totals as (
    select
        cast(date_trunc('{{ period }}', purchased_at) as date) as period_start,
        sum(price) as revenue,
        count(*) as units,
        count(distinct session_id) as orders,
        count(distinct user_id) as buyers
    from purchases
    group by cast(date_trunc('{{ period }}', purchased_at) as date)
),

session_totals as (
    select
        cast(date_trunc('{{ period }}', started_at) as date) as period_start,
        count(*) as sessions,
        count(distinct user_id) as visitors,
        count(*) filter (where converted) as converted_sessions
    from sessions
    group by cast(date_trunc('{{ period }}', started_at) as date)
),

final as (
    select
        coalesce(s.period_start, p.period_start) as {{ period }}_start,
        cast(coalesce(p.revenue, 0) as decimal(18, 2)) as revenue,
        coalesce(p.orders, 0) as orders,
        coalesce(p.units, 0) as units,
        coalesce(p.buyers, 0) as buyers,
        cast({{ safe_divide('p.revenue', 'p.orders') }} as decimal(18, 2)) as average_order_value,
        coalesce(s.sessions, 0) as sessions,
        coalesce(s.visitors, 0) as visitors,
        {{ safe_divide('s.converted_sessions', 's.sessions') }} as conversion_rate,
        {{ safe_divide('p.buyers', 's.visitors') }} as buyer_share
    from session_totals as s
    full outer join purchase_totals as p on s.period_start = p.period_start
)

select * from final
{%- endmacro %}


{#-
    The body of sales_weekly and sales_monthly: incremental by period, against sales_daily.
    Each row keeps as `input_fingerprint` a hash of its period's sales_daily rows (every value,
    the day's loads included). A build recomputes the periods whose fingerprint changed or that
    are new, reading only their days; the pre-hook (delete_changed_sales_periods) deletes the
    rows whose fingerprint is no longer current, which also removes a period whose days are all
    gone. A new day adds its own day's row and can change the row of the day before (a session
    that started then can convert after midnight: sales_daily's rule), so a period is recomputed
    whenever a row of any of its days changed, and only then.
-#}
{% macro sales_period_model(period) -%}
{%- set changed = changed_sales_periods(period) if is_incremental() else none %}
with

fingerprints as (
    {{ sales_period_fingerprints(period) }}
),

rollup as (
    {{ sales_rollup(period, period_days(changed, period) if changed is not none else none) }}
),

final as (
    select
        rollup.*,
        fingerprints.input_fingerprint
    from rollup
    inner join fingerprints on rollup.{{ period }}_start = fingerprints.period_start
)

select * from final
{%- endmacro %}


{#- One row per period of sales_daily: its start and the hash of its days' rows, in date order. -#}
{% macro sales_period_fingerprints(period) -%}
    select
        cast(date_trunc('{{ period }}', daily.day_start) as date) as period_start,
        hash(list(daily order by daily.day_start)) as input_fingerprint
    from {{ ref('sales_daily') }} as daily
    group by cast(date_trunc('{{ period }}', daily.day_start) as date)
{%- endmacro %}


{#-
    For an incremental build of sales_weekly or sales_monthly: the starts of the periods whose
    fingerprint differs from the stored one or that have no row yet ('YYYY-MM-DD' strings).
-#}
{% macro changed_sales_periods(period) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- do require_column(this, 'input_fingerprint') -%}
    {%- set query -%}
        with current_periods as (
            {{ sales_period_fingerprints(period) }}
        )

        select cast(current_periods.period_start as varchar) as period_start
        from current_periods
        left join {{ this }} as built
            on
                current_periods.period_start = built.{{ period }}_start
                and current_periods.input_fingerprint = built.input_fingerprint
        where built.{{ period }}_start is null
        order by current_periods.period_start
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}


{#- Pre-hook of sales_weekly and sales_monthly: delete the rows whose fingerprint is not current. -#}
{% macro delete_changed_sales_periods(period) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where input_fingerprint not in (
            select current_periods.input_fingerprint
            from ({{ sales_period_fingerprints(period) }}) as current_periods
        )
    {%- endif -%}
{%- endmacro %}


{#- Every day of the periods ('week' or 'month') starting on `starts` ('YYYY-MM-DD' strings). -#}
{% macro period_days(starts, period) -%}
    {%- set out = [] -%}
    {%- for s in starts -%}
        {%- set first = modules.datetime.date.fromisoformat(s) -%}
        {%- set day = namespace(value=first) -%}
        {%- for _ in range(31) -%}
            {%- set same_period = (day.value - first).days < 7 if period == 'week'
                else day.value.month == first.month -%}
            {%- if same_period -%}
                {%- do out.append(day.value.isoformat()) -%}
            {%- endif -%}
            {%- set day.value = day.value + modules.datetime.timedelta(days=1) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(out) }}
{%- endmacro %}
