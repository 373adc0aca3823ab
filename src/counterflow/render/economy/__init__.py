"""The legitimate economy, one generator per kind of activity.

Each generator is ``generate(ctx, day, rng, rows)``: it appends that day's transactions to
``rows``. The twins register generators of their own the same way (see
:data:`counterflow.render.pipeline.GENERATORS`).
"""
