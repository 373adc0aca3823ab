"""ABC-SMC: on a cheap model with a known answer, and on data the twin made."""

from __future__ import annotations

import datetime as dt

import numpy as np

from counterflow.lab import priors as PR
from counterflow.lab.abc import abc_smc
from counterflow.lab.calibrate import CalibrationConfig, Target, calibrate
from counterflow.lab.runner import Job, run_job
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin.assumptions import Assumptions


def test_abc_smc_recovers_the_mean_of_a_noisy_model() -> None:
    truth = np.array([0.3, 0.7])

    def simulate(points: np.ndarray, seeds: np.ndarray, g: int) -> np.ndarray:
        noise = np.array([np.random.default_rng(int(s)).normal(0, 0.02, 2) for s in seeds])
        return np.linalg.norm(points + noise - truth, axis=1)

    fit = abc_smc(simulate, 2, np.random.default_rng(1), particles=50, generations=4, keep=0.25)
    post = fit.posterior
    assert np.allclose(post.mean(), truth, atol=0.03)
    assert post.epsilon < fit.populations[0].epsilon
    assert abs(post.weights.sum() - 1) < 1e-12 and post.weights.max() <= 3 / 50 + 1e-12


def test_calibration_recovers_parameters_from_data_the_twin_made() -> None:
    # One year of twin (2020): deaths identify the demand scale, border seizures the referral rate.
    start = dt.date(2020, 1, 1)
    truth = {"demand_peak_kg": 4500.0, "referral_factor": 1.6}
    tr = Trafficking(start_date=start)
    t2, a2 = PR.configure(tr, Assumptions(), truth)
    made = run_job(Job.of(t2, a2, dt.date(2020, 12, 31), 777))
    targets = [Target("deaths", 2020, made.get("deaths", 2020)),
               Target("seized_border_kg", 2020, made.get("seized_border_kg", 2020))]
    cfg = CalibrationConfig(fit_until=2020, last_year=2020, start_date=start, particles=6, generations=3, keep=0.5,
                            draws=1, seeds=1, seed=5, params=tuple(truth))
    cal = calibrate(cfg, tr=tr, targets=targets)
    post = cal.fit.posterior
    est = {p.name: p.value(float(u)) for p, u in zip(cal.priors, post.mean())}
    prior_mid = {p.name: p.value(0.5) for p in cal.priors}
    for k, v in truth.items():
        assert abs(est[k] / v - 1) < 0.25, (k, est[k], v)
        assert abs(est[k] - v) < abs(prior_mid[k] - v), (k, est[k], prior_mid[k])
    assert len(cal.forecast) == 1 and len(cal.forecast[0]) == 1 and not cal.driven
