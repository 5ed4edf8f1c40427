"""The one error type for bad input.

Everything a user can get wrong (a scenario field, a file, a preset name)
raises :class:`InputError` with a message that names the field or file and
says what is wrong. The CLI turns it into one line on stderr and exit code 1.
"""


class InputError(ValueError):
    """Bad input from the user: a scenario field, a file or a name."""
