"""Demo data: a realistic organisation and 12 weeks of cases, Japanese first."""
