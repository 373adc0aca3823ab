"""What every generator needs for a run: the scenario, the population, exchange rates and
lookup structures computed once (cumulative weights, groups by day of month)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from counterflow.dataset import vocab
from counterflow.render.batch import CUR
from counterflow.render.ids import rng_for
from counterflow.render.population import Population
from counterflow.scenario.model import Scenario
from counterflow.world import geography as geo
from counterflow.world.currencies import CURRENCY_CODES, fx_path
from counterflow.world.industries import INDUSTRIES, PRICE_LEVEL

# Currency code (vocabulary index) of each country, by country index.
COUNTRY_CUR = np.array([CUR[geo.country(c).currency] for c in geo.COUNTRY_CODES], dtype=np.int8)
PRICE = np.array([PRICE_LEVEL[c] for c in geo.COUNTRY_CODES])


@dataclass
class Context:
    scenario: Scenario
    seed: int
    pop: Population
    usd: np.ndarray  # (days, len(vocab.CURRENCIES)): USD per unit, NaN where unknown
    cache: dict[str, Any] = field(default_factory=dict)
    # The trafficking twin's cash_proceeds table (None when the twin is off): the laundering input.
    cash_proceeds: Any = None

    def convert(
        self,
        day: int,
        amount: np.ndarray,
        cur_from: np.ndarray | int,
        cur_to: np.ndarray | int,
        spread: float | np.ndarray = 0.0,
        decimals: int = 2,
    ) -> np.ndarray:
        """Amount in ``cur_to`` for ``amount`` in ``cur_from`` at the day's rate less a spread."""
        out = amount * self.usd[day, cur_from] / self.usd[day, cur_to] * (1.0 - spread)
        return np.round(out, decimals)

    def prepared(self, name: str, build: Any) -> Any:
        if name not in self.cache:
            self.cache[name] = build(self)
        return self.cache[name]


def build_context(scenario: Scenario, seed: int, pop: Population) -> Context:
    path = fx_path(scenario.days, rng_for(seed, "fx"))
    usd = np.full((scenario.days, len(vocab.CURRENCIES)), np.nan)
    for j, code in enumerate(CURRENCY_CODES):
        usd[:, CUR[code]] = path[:, j]
    return Context(scenario, seed, pop, usd)


@dataclass(frozen=True)
class Alias:
    """Walker's alias table: O(1) weighted draws, faster than a binary search per draw once
    the population is large (the searched array no longer fits in cache)."""

    prob: np.ndarray
    alias: np.ndarray

    @classmethod
    def build(cls, weights: np.ndarray) -> Alias:
        """Vose's construction, pairing many small and large columns per NumPy round."""
        n = len(weights)
        w = np.asarray(weights, dtype=np.float64)
        total = w.sum()
        scaled = w * (n / total) if n and total > 0 else np.ones(n)
        prob = np.ones(n)
        alias = np.arange(n, dtype=np.int64)
        small = np.flatnonzero(scaled < 1.0)
        large = np.flatnonzero(scaled >= 1.0)
        while len(small) and len(large):
            k = min(len(small), len(large))
            s, g = small[:k], large[:k]
            prob[s] = scaled[s]
            alias[s] = g
            scaled[g] -= 1.0 - scaled[s]
            now_small = scaled[g] < 1.0
            small = np.concatenate([small[k:], g[now_small]])
            large = np.concatenate([large[k:], g[~now_small]])
        return cls(prob, alias)

    def draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        k = rng.integers(0, len(self.prob), n)
        return np.where(rng.random(n) < self.prob[k], k, self.alias[k])


@dataclass(frozen=True)
class GroupedAlias:
    """One alias table per group packed into flat arrays, so that rows of mixed groups draw
    in one vectorised pass (no sorting or looping by group)."""

    prob: np.ndarray
    alias: np.ndarray  # flat positions
    offset: np.ndarray  # first flat position of each group
    size: np.ndarray  # items in each group (0: the group has none)

    @classmethod
    def build(cls, weights_by_group: list[np.ndarray]) -> GroupedAlias:
        tables = [Alias.build(w) for w in weights_by_group]
        size = np.array([len(w) for w in weights_by_group], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        prob = np.concatenate([t.prob for t in tables]) if tables else np.empty(0)
        alias = np.concatenate([t.alias + o for t, o in zip(tables, offset)]) if tables else np.empty(0, np.int64)
        return cls(prob, alias, offset, size)

    def draw(self, group: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A flat position for each element's group; -1 where the group is empty."""
        size = self.size[group]
        k = self.offset[group] + (rng.random(len(group)) * size).astype(np.int64)
        k = np.minimum(k, len(self.prob) - 1)
        out = np.where(rng.random(len(group)) < self.prob[k], k, self.alias[k])
        return np.where(size > 0, out, -1)


def weighted_pick(cum: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn with probabilities proportional to the increments of ``cum``."""
    if n == 0 or len(cum) == 0:
        return np.empty(0, dtype=np.int64)
    return np.searchsorted(cum, rng.random(n) * cum[-1], side="right").clip(0, len(cum) - 1)


def industry_mask(codes: tuple[str, ...], industry: np.ndarray) -> np.ndarray:
    wanted = [i for i, ind in enumerate(INDUSTRIES) if ind.code in codes]
    return np.isin(industry, wanted)


def by_day_of_month(days_of_month: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, starts): ``order[starts[d]:starts[d+1]]`` are the items due on day ``d``."""
    order = np.argsort(days_of_month, kind="stable")
    starts = np.searchsorted(days_of_month[order], np.arange(33))
    return order, starts
