"""SQL dialects: the few places where engines disagree, one small class each.

Detection steps are written once in DuckDB's SQL. Where the engines differ in a way a
transpiler cannot paper over (a DISTINCT aggregate over a window frame, which Spark refuses;
epoch seconds, spelled differently everywhere), a step asks its dialect for the expression
instead of writing it. Everything else is carried across by sqlglot, which turns DuckDB SQL into
Spark SQL. A construct a dialect cannot express raises :class:`UnsupportedInDialect` naming the
dialect and the construct, rather than producing SQL that runs and means something else.
"""

from __future__ import annotations

from counterflow.errors import CounterflowError


class UnsupportedInDialect(CounterflowError):
    """A step asked for a construct the target dialect has no faithful spelling of."""

    def __init__(self, dialect: str, construct: str, hint: str = "") -> None:
        self.dialect = dialect
        self.construct = construct
        super().__init__(f"{construct} is not supported in the {dialect} dialect" + (f": {hint}" if hint else ""))


class Dialect:
    """DuckDB, the reference dialect: steps are written in it, so rendering is the identity."""

    name = "duckdb"
    sqlglot_name = "duckdb"

    def epoch_seconds(self, ts: str) -> str:
        """Whole seconds since 1970 of a timestamp: windows are framed on it, portably."""
        return f"CAST(epoch({ts}) AS BIGINT)"

    def count_distinct_over(self, expr: str, window: str) -> str:
        """Number of distinct non-null values of ``expr`` in a window frame."""
        return f"count(DISTINCT {expr}) OVER ({window})"

    def ordered_list(self, expr: str, order: str) -> str:
        """An array of ``expr`` in the order of ``order`` (an aggregate)."""
        return f"list({expr} ORDER BY {order})"

    def render(self, sql: str) -> str:
        """The SQL this dialect's engine runs, from a step written in DuckDB SQL."""
        return sql


class DuckDBDialect(Dialect):
    pass


class SparkDialect(Dialect):
    """Spark SQL, produced from the DuckDB text with sqlglot."""

    name = "spark"
    sqlglot_name = "spark"

    def epoch_seconds(self, ts: str) -> str:
        # DuckDB's epoch() is fractional and its cast to BIGINT rounds half to even; Spark's
        # UNIX_TIMESTAMP, which sqlglot would write, truncates. bround on the exact decimal of the
        # microseconds rounds the same way, so a sub-second time falls in the same window.
        return f"CAST(bround(unix_micros({ts}) / 1000000.0, 0) AS BIGINT)"

    def count_distinct_over(self, expr: str, window: str) -> str:
        # Spark rejects DISTINCT in window aggregates; the size of the frame's set is the same number.
        return f"size(collect_set({expr}) OVER ({window}))"

    def ordered_list(self, expr: str, order: str) -> str:
        # sqlglot would write COLLECT_LIST and silently drop the ordering.
        raise UnsupportedInDialect(self.name, "an ordered list aggregate",
                                   "collect_list does not keep an order; sort the array in a later step")

    def render(self, sql: str) -> str:
        import sqlglot  # imported here: only Spark users pay for it

        return ";\n".join(sqlglot.transpile(sql, read="duckdb", write="spark"))


DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDBDialect, "spark": SparkDialect}


def get_dialect(name: str) -> Dialect:
    try:
        return DIALECTS[name]()
    except KeyError:
        raise CounterflowError(f"unknown SQL dialect {name!r}; known: {', '.join(DIALECTS)}") from None
