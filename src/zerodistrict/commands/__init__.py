"""Commands of the ``zerodistrict`` CLI that live in modules of their own (registered at the end of cli.py)."""
