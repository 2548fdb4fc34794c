"""Landing CSV -> bronze Parquet: the loader, its manifest and the CSV contract."""
