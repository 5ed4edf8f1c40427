"""Commands of the CLI that live in their own modules (registered at the end of zerodistrict.cli)."""
