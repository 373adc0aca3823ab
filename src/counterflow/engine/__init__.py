"""Where queries run. DuckDB in-process is the default engine; Spark comes with detection."""
