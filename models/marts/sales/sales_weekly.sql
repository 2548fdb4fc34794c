-- Sales KPIs per week, pre-aggregated for the dashboard (see the sales_rollup macro).
{{ sales_rollup('week') }}
