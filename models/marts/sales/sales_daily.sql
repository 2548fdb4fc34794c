-- Sales KPIs per day, pre-aggregated for the dashboard (see the sales_rollup macro).
{{ sales_rollup('day') }}
