"""Exit 0 when PostgreSQL and Redis answer at the URLs given, else say which does not (used by `make test`)."""

import socket
import sys
from urllib.parse import urlparse

missing = []
for url in sys.argv[1:]:
    parts = urlparse(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError as exc:
        missing.append(f"{parts.scheme} at {parts.hostname}:{parts.port} ({exc.strerror or exc})")
if missing:
    print("unreachable: " + "; ".join(missing))
    sys.exit(1)
