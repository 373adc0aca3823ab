"""The policy lab: the trafficking twin calibrated to public series with uncertainty, judged on
years it never saw, batches of scenarios with bands, sensitivity, and an interdiction planner.

Modules: :mod:`.series` (the public series), :mod:`.priors` (uncertain parameters),
:mod:`.outcomes` (what a run yields), :mod:`.runner` (parallel runs), :mod:`.abc` (the fit),
:mod:`.calibrate` (fit, forecast, scoring), :mod:`.event` (May 2019 scheduling), :mod:`.batch`
(scenario batches), :mod:`.sensitivity`, :mod:`.network` and :mod:`.plan` (the planner),
:mod:`.report` (the HTML report).
"""
