"""Named pipelines of SQL steps, and the engine-independent part of running them.

A :class:`Pipeline` is an ordered list of named steps; each step is one ``SELECT`` that may read
the dataset's tables and any earlier step by name. It renders to one query (a chain of CTEs), so
the engine can optimise across steps. In debug mode every step is run on its own into a temporary
table and logged with its row count and SQL, which is how a wrong intermediate result is found.

:class:`Engine` owns what does not depend on the engine: rendering through the dialect, error
wrapping (an :class:`EngineError` names the failing step and carries its SQL), debug runs, and
kernels (graph work SQL does badly, like temporal cycles, done in NumPy/Numba over an input the
engine computes and registered back as a table that later steps read). Engines fill the hooks:
run a statement, a query to Arrow (whole or in batches), register Arrow as a table, drop one, and
optionally store a query's result (a temporary table where the engine has them).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa

from counterflow.engine.dialects import Dialect
from counterflow.errors import CounterflowError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class EngineError(CounterflowError):
    """A step failed: carries the step's name, its SQL and the engine's message."""

    def __init__(self, step: str, sql: str, cause: BaseException | str) -> None:
        self.step = step
        self.sql = sql
        self.cause = cause
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
        super().__init__(f"step '{step}' failed: {first}\n--- SQL of step '{step}' ---\n{sql.strip()}")


@dataclass(frozen=True)
class Step:
    name: str
    sql: str


@dataclass
class Pipeline:
    """Named SQL steps; the last one is the result."""

    name: str = "pipeline"
    steps: list[Step] = field(default_factory=list)

    def add(self, name: str, sql: str) -> Pipeline:
        if not _NAME.match(name):
            raise ValueError(f"step name {name!r} must be a lower-case SQL identifier")
        if any(s.name == name for s in self.steps):
            raise ValueError(f"pipeline {self.name!r} already has a step {name!r}")
        self.steps.append(Step(name, sql.strip().rstrip(";")))
        return self

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def output(self) -> str:
        if not self.steps:
            raise ValueError(f"pipeline {self.name!r} has no steps")
        return self.steps[-1].name

    def sql(self, upto: int | None = None) -> str:
        """One query: the steps as CTEs, selecting from the last (or the ``upto``-th) step."""
        steps = self.steps[: (upto + 1) if upto is not None else None]
        if not steps:
            raise ValueError(f"pipeline {self.name!r} has no steps")
        if len(steps) == 1:
            return steps[0].sql
        last = steps[-1]
        if last.sql.lstrip()[:4].upper() == "WITH":
            steps, last = steps, Step("_result", f"SELECT * FROM {last.name}")
        else:
            steps = steps[:-1]
        # The last step is the main query, not a CTE, so that its ORDER BY holds.
        ctes = ",\n".join(f"{s.name} AS (\n{s.sql}\n)" for s in steps)
        return f"WITH {ctes}\n{last.sql}"


class Engine:
    """Runs pipelines. Subclasses implement ``_execute``, ``_arrow``, ``_reader`` and ``_register``."""

    dialect: Dialect

    def __init__(self, dialect: Dialect, *, debug: bool = False) -> None:
        self.dialect = dialect
        self.debug = debug

    # -- hooks ------------------------------------------------------------------------------
    def _execute(self, sql: str) -> None:
        raise NotImplementedError

    def _arrow(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def _reader(self, sql: str, batch_rows: int) -> pa.RecordBatchReader:
        raise NotImplementedError

    def _register(self, name: str, table: pa.Table) -> None:
        raise NotImplementedError

    def _drop(self, name: str) -> None:
        raise NotImplementedError

    def _store(self, table: str, sql: str) -> None:
        """Store a query's result as a table later queries read by name."""
        self._execute(self._create(table, sql))

    # -- engine-independent -----------------------------------------------------------------
    def render(self, pipeline: Pipeline) -> str:
        return self.dialect.render(pipeline.sql())

    def arrow(self, pipeline: Pipeline) -> pa.Table:
        """The pipeline's result in memory."""
        if self.debug:
            return self._debug_run(pipeline, lambda sql: self._arrow(sql))
        sql = self.render(pipeline)
        try:
            return self._arrow(sql)
        except Exception as exc:
            raise self._locate(pipeline, exc) from exc

    def materialize(self, pipeline: Pipeline, table: str) -> None:
        """Store the pipeline's result as a table later pipelines read by name."""
        if self.debug:
            self._debug_run(pipeline, lambda sql: self._store(table, sql))
            return
        sql = self.render(pipeline)
        try:
            self._store(table, sql)
        except Exception as exc:
            raise self._locate(pipeline, exc) from exc

    def batches(self, pipeline: Pipeline, batch_rows: int = 1 << 20) -> pa.RecordBatchReader:
        """The result as a stream of record batches (bounded memory on the caller's side)."""
        sql = self.render(pipeline)
        try:
            return self._reader(sql, batch_rows)
        except Exception as exc:
            raise self._locate(pipeline, exc) from exc

    def kernel(self, name: str, inputs: Pipeline, fn: Callable[[pa.Table], pa.Table], table: str) -> pa.Table:
        """Run ``fn`` over the pipeline's result and register its output as ``table``.

        For graph patterns SQL expresses badly: the engine computes the (windowed, bounded)
        input, the kernel works on arrays, and later SQL steps join its output.
        """
        data = self.arrow(inputs)
        t0 = time.perf_counter()
        try:
            out = fn(data)
        except Exception as exc:
            raise EngineError(name, f"-- kernel {getattr(fn, '__name__', fn)!s} over:\n{inputs.sql()}", exc) from exc
        log.debug("kernel %s: %d rows in, %d out, %.3f s", name, data.num_rows, out.num_rows,
                  time.perf_counter() - t0)
        self._register(table, out)
        return out

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table readable by later steps as ``name``."""
        self._register(name, table)

    def drop(self, name: str) -> None:
        self._drop(name)

    def _create(self, table: str, sql: str) -> str:
        return f"CREATE OR REPLACE TEMP TABLE {table} AS\n{sql}"

    def _debug_run(self, pipeline: Pipeline, final: Callable[[str], object]):  # type: ignore[no-untyped-def]
        """Each step into its own temporary table, logged; the last step through ``final``."""
        made: list[str] = []
        try:
            for i, step in enumerate(pipeline.steps):
                sql = self.dialect.render(step.sql)
                t0 = time.perf_counter()
                try:
                    if i == len(pipeline.steps) - 1:
                        result = final(sql)
                    else:
                        self._store(step.name, sql)
                        made.append(step.name)
                        rows = self._arrow(f"SELECT count(*) AS n FROM {step.name}").column(0)[0].as_py()
                        log.info("step %s.%s: %d rows in %.3f s\n%s", pipeline.name, step.name, rows,
                                 time.perf_counter() - t0, sql)
                except Exception as exc:
                    raise EngineError(step.name, sql, exc) from exc
            return result
        finally:
            for name in made:
                self._drop(name)

    def _locate(self, pipeline: Pipeline, exc: Exception) -> EngineError:
        """Find which step broke the combined query by running growing prefixes of it.

        Only on failure: a planning error shows up in the first prefix that contains the bad
        step; a run-time error (a failed cast, an ``error()`` call) in the first that reaches it.
        """
        # Each prefix is stored whole: a count over it would let the optimiser skip the columns
        # whose computation fails.
        for i, step in enumerate(pipeline.steps):
            try:
                self._store("_cf_probe", self.dialect.render(pipeline.sql(upto=i)))
            except Exception as probe:
                return EngineError(step.name, self.dialect.render(step.sql), probe)
            finally:
                self._drop("_cf_probe")
        last = pipeline.steps[-1]
        return EngineError(last.name, self.dialect.render(last.sql), exc)
