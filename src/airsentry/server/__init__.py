"""The operator console and its API: a face over the pipeline and the incident store.

* :mod:`~airsentry.server.app`: :func:`create_app` (FastAPI) over a :class:`ServerContext`.
* :mod:`~airsentry.server.auth`: users, roles (viewer, operator, commander), hashed tokens.
* :mod:`~airsentry.server.routes_read`, :mod:`~airsentry.server.routes_incidents`,
  :mod:`~airsentry.server.ws`: the REST routes and the WebSocket stream.
* :mod:`~airsentry.server.runner`: the pipeline thread feeding the live picture.
* ``static/``: the console (HTML, JavaScript, the vendored Leaflet).

Nothing in the pipeline imports this package; it imports the pipeline.
"""

from airsentry.server.app import create_app
from airsentry.server.auth import Role, User, UserBook
from airsentry.server.context import ServerContext

__all__ = ["Role", "ServerContext", "User", "UserBook", "create_app"]
