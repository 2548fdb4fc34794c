-- Sales KPIs per month, pre-aggregated for the dashboard (see the sales_rollup macro).
{{ sales_rollup('month') }}
