"""The HTTP service (``optimizer serve``): solve, queue, validate over JSON.

``create_app(ServiceConfig(...))`` builds the FastAPI app; ``optimizer serve`` runs it under
uvicorn. For ``uvicorn --factory optimizer.service:app_from_env`` the settings come from the
``OPTIMIZER_*`` environment variables (:class:`ServiceConfig.from_env`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import ServiceConfig

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServiceConfig", "app_from_env", "create_app"]


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The FastAPI app for ``config`` (imported lazily: FastAPI is not needed to plan routes)."""
    from .app import create_app as make

    return make(config)


def app_from_env() -> FastAPI:
    """The app configured by the ``OPTIMIZER_*`` environment variables, one per setting
    (:data:`.config.ENV_VARS`).

    A bad value ends the process with the error line (the variable and the value) on stderr and
    exit status 2, as ``optimizer serve`` does: uvicorn catches only a ``TypeError`` from a
    factory, so an :class:`~optimizer.errors.InputError` raised here reached the operator as a
    traceback.
    """
    import sys

    from ..errors import EXIT_BAD_INPUT, InputError

    try:
        config = ServiceConfig.from_env()
    except InputError as e:
        print(f"optimizer service: {e}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    return create_app(config)
