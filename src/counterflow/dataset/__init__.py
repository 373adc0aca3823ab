"""The on-disk dataset: Parquet tables plus a manifest, declared in :mod:`.schema`.

Writing (:mod:`.writer`), reading (:mod:`.reader`), validation (:mod:`.validate`) and exchange
with other tools (:mod:`.amlworld`, :mod:`.ftm`) all follow the one declaration.
"""
