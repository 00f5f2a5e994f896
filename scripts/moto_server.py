"""Runs moto's server (DynamoDB, SQS and S3 protocols) on loopback, single-threaded.

moto_server's own entry point serves requests on many threads, and moto's in-memory
backends are not thread-safe: concurrent TransactWriteItems calls fail with
"dictionary changed size during iteration" (seen here). One request at a time is slower but
deterministic, which is what a test server must be.

Usage: python scripts/moto_server.py PORT
"""

import os
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    os.environ.setdefault("MOTO_PORT", str(port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False)


if __name__ == "__main__":
    main()
