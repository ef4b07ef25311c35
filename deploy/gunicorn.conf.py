"""gunicorn settings for the web container (Dockerfile CMD). Each can be overridden with
GUNICORN_CMD_ARGS, e.g. GUNICORN_CMD_ARGS="--workers 8"."""

import multiprocessing
import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
timeout = 60
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# nginx (deploy/nginx.conf) sets X-Forwarded-Proto; believe it only from the compose network.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "172.28.0.0/24")
# Logs to stdout. The access log omits the query string (%(U)s): it may carry personal data.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '{"time": "%(t)s", "logger": "gunicorn.access", "remote": "%({x-real-ip}i)s", "method": "%(m)s",'
    ' "path": "%(U)s", "status": %(s)s, "bytes": "%(B)s", "ms": %(M)s}'
)
