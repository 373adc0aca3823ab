"""Regulatory reports drafted from a case: FinCEN SAR (BSA E-Filing batch XML, form SARX) and a
goAML STR, each checked against its schema's structure before download."""
