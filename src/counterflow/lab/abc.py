"""Approximate Bayesian computation by sequential Monte Carlo (adaptive ABC-PMC).

The twin has no likelihood: a run is a random draw given the parameters (its seed is the noise).
ABC keeps the parameter draws whose simulated summaries come closest to the observed ones.
Generation 0 draws ``particles / keep`` points from the prior; each later generation proposes as
many by resampling the last population by weight and moving each point with a Gaussian kernel of
twice the population's weighted variance in each coordinate (Beaumont et al. 2009; diagonal,
because a dozen parameters and a few dozen particles give no stable full covariance), keeps the
``particles`` closest (the tolerance is that generation's quantile, as in Lenormand et al.
2013's adaptive scheme) and weights them by prior over proposal density. With few particles
those weights degenerate onto one or two outliers, so they are truncated at ``cap`` times the
mean (truncated importance sampling, Ionides 2008) and renormalised. Every simulation gets a
fresh seed.

Works in the unit cube of :mod:`counterflow.lab.priors` (uniform priors there), with any
``simulate(points, seeds) -> distances`` so that tests can run it on a cheap model too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

log = logging.getLogger(__name__)
Simulate = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


@dataclass
class Population:
    points: np.ndarray  # (n, d) in the unit cube
    weights: np.ndarray  # (n,), sum 1
    distances: np.ndarray  # (n,)
    epsilon: float

    def mean(self) -> np.ndarray:
        return self.weights @ self.points

    def cov(self) -> np.ndarray:
        d = self.points - self.mean()
        return (self.weights[:, None] * d).T @ d

    def resample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Indices of ``n`` particles drawn by weight (systematic resampling: low variance)."""
        u = (rng.random() + np.arange(n)) / n
        return np.minimum(np.searchsorted(np.cumsum(self.weights), u, side="right"), len(self.weights) - 1)


@dataclass
class Fit:
    populations: list[Population] = field(default_factory=list)
    simulations: int = 0

    @property
    def posterior(self) -> Population:
        return self.populations[-1]


def _gauss_density(x: np.ndarray, centres: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Density of N(centre_j, cov) at each row of ``x`` for each centre: (len(x), len(centres))."""
    inv = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    diff = x[:, None, :] - centres[None, :, :]
    q = np.einsum("ijk,kl,ijl->ij", diff, inv, diff)
    return np.exp(-0.5 * q - 0.5 * logdet - 0.5 * x.shape[1] * np.log(2 * np.pi))


def abc_smc(simulate: Simulate, dim: int, rng: np.random.Generator, particles: int = 32,
            generations: int = 3, keep: float = 0.25, cap: float = 3.0) -> Fit:
    """Fit by ABC-SMC. ``simulate(points, seeds, generation)`` returns one distance per point."""
    if not 0 < keep <= 1:
        raise ValueError("keep must be in (0, 1]")
    if particles < 2 or generations < 1:
        raise ValueError("need at least 2 particles and 1 generation")
    m = max(particles, int(round(particles / keep)))
    fit = Fit()
    for g in range(generations):
        seeds = rng.integers(0, 2**31 - 1, m)
        if g == 0:
            pts = rng.random((m, dim))
        else:
            prev = fit.posterior
            cov = np.diag(2.0 * np.diag(prev.cov()) + 1e-9)
            chol = np.linalg.cholesky(cov)
            pts = np.empty((m, dim))
            filled = 0
            # Proposals outside the cube have zero prior density: draw again until inside.
            while filled < m:
                idx = prev.resample(m, rng)
                cand = prev.points[idx] + rng.standard_normal((m, dim)) @ chol.T
                ok = cand[np.all((cand >= 0) & (cand <= 1), axis=1)]
                take = ok[: m - filled]
                pts[filled:filled + len(take)] = take
                filled += len(take)
        d = np.asarray(simulate(pts, seeds, g), float)
        fit.simulations += m
        d = np.where(np.isfinite(d), d, np.inf)
        order = np.argsort(d, kind="stable")[:particles]
        pts, d = pts[order], d[order]
        if g == 0:
            w = np.full(particles, 1.0 / particles)
        else:
            dens = _gauss_density(pts, prev.points, cov) @ prev.weights
            w = 1.0 / np.maximum(dens, 1e-300)
            w /= w.sum()
            w = np.minimum(w, cap / particles)
            w /= w.sum()
        fit.populations.append(Population(pts, w, d, float(d.max())))
        log.info("ABC generation %d: epsilon %.4f, %d simulations so far", g, d.max(), fit.simulations)
    return fit
