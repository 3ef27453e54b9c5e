"""The uvicorn server for the web app, run on the service's own event loop."""

from __future__ import annotations

import uvicorn

from newsmon.config.settings import Config
from newsmon.web.app import create_app


def make_server(config: Config) -> uvicorn.Server:
    app = create_app(config)
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.web_host,
            port=config.web_port,
            log_config=None,
            lifespan="off",
            access_log=False,
            server_header=False,
            proxy_headers=False,
        )
    )
