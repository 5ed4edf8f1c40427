"""The error types a user sees.

Everything a user can get wrong (a scenario field, a file, a preset name)
raises :class:`InputError` with a message that names the field or file and
says what is wrong. An optimisation the scenario makes infeasible raises
:class:`SolverError`. The CLI turns either into one line on stderr and exit code 1.
"""


class InputError(ValueError):
    """Bad input from the user: a scenario field, a file or a name."""


class SolverError(RuntimeError):
    """An optimisation ended without an optimum: the scenario is infeasible, or the solver stopped early.

    Not an :class:`InputError`: every field may be valid on its own while together they
    ask for the impossible (an EV trip that needs more energy than the car can get). The
    message says what is most likely wrong; ``status`` and ``termination_condition`` are
    the solver's own words (linopy's, e.g. ``"warning"`` and ``"infeasible"``).
    """

    def __init__(self, message: str, status: str, termination_condition: str) -> None:
        super().__init__(message)
        self.status = status
        self.termination_condition = termination_condition
