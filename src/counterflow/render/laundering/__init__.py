"""The laundering twin: street cash from the trafficking twin turned into bank transactions."""
