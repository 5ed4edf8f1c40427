"""Results of a run: the typed :class:`Result` and its KPIs, and the file writers."""

from zerodistrict.results.result import Kpis, Result

__all__ = ["Kpis", "Result"]
