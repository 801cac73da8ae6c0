"""Reporting rules in plain Python: KPI definitions, what each event counts, tables,
suppression of small cells, funnels, referral flow, snapshot differences."""
