"""The web app (``zerodistrict serve``): a JSON API under ``/api``, a browser page at ``/``, jobs in worker processes.

:func:`create_app` builds the FastAPI app; :mod:`.intake` checks what the
network sends, :mod:`.jobs` queues and runs jobs, :mod:`.work` is what a job
computes, :mod:`.api` the endpoints; ``static/`` holds the page.
"""

from zerodistrict.web.app import create_app

__all__ = ["create_app"]
