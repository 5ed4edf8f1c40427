"""Analyses of a dispatched district: KPIs, bills, economics, emissions, outage survival."""
