"""zerodistrict — plan, simulate and optimise zero-carbon residential districts.

The flow is one direction: scenario → profiles (weather, PV, loads, mobility)
→ dispatch → analyses (emissions, economics, resilience) → results → outputs.
"""

from zerodistrict.errors import InputError

__version__ = "0.1.0"
__all__ = ["InputError", "__version__"]
