"""ecom: an e-commerce behavioural-analytics lakehouse on dbt + DuckDB.

Layers: landing CSV -> bronze Parquet (Polars streaming loader) -> silver/gold (dbt on DuckDB)
-> propensity model (dbt Python models) -> serving Parquet -> dashboard.
"""

__version__ = "0.1.0"
