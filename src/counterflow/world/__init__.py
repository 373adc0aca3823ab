"""The static setting of the twin: places, currencies, banks, names, industries and goods.

Everything here is reference data and pure functions over it; nothing is random until a
``numpy.random.Generator`` is passed in.
"""
