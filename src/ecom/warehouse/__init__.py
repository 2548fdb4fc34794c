"""Silver and gold: running dbt on a data directory and exporting the serving copy."""
