# syntax=docker/dockerfile:1
# The production image of 榆次区安全风险台账系统: gunicorn + WhiteNoise (web), Celery (worker, beat).
#
#   docker build -t yuci-security:local .
#
# Everything is fetched here, at build time, from pinned and checked sources: front-end files by
# scripts/fetch_assets.sh (versions and sha512 in scripts/assets.lock), Python packages pinned in
# requirements.txt, Debian packages from the base image's release. The running container
# downloads nothing: it serves an intranet with no internet access.

# --- 1. front-end files (npm pack + integrity check) -------------------------------------------
FROM node:22.12.0-bookworm-slim AS assets
# fetch_assets.sh checks each tarball's sha512 with python3.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/fetch_assets.sh scripts/assets.lock scripts/
RUN bash scripts/fetch_assets.sh

# --- 2. Python packages, translations, collected static files ----------------------------------
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt
WORKDIR /app
COPY . .
COPY --from=assets /src/static/vendor/ static/vendor/
# A throwaway key for these two commands only; the running container reads the real one.
RUN export DEBUG=false SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
        VAR_DIR=/app/var \
    && if [ -d locale ]; then /opt/venv/bin/python manage.py compilemessages -v 0 --ignore .venv --ignore var; fi \
    && /opt/venv/bin/python manage.py collectstatic --noinput -v 0 \
    && rm -rf /app/var/broker /app/var/media /app/var/db.sqlite3

# --- 3. the runtime image ------------------------------------------------------------------------
FROM python:3.11.11-slim-bookworm
# CJK fonts so that PDFs (quarterly reports) show Chinese, not boxes; Pango for WeasyPrint.
# (Backups run pg_dump inside the postgres container, whose version matches the server.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-noto-cjk fonts-wqy-microhei libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 yuci \
    && useradd --system --uid 10001 --gid yuci --home-dir /app --shell /usr/sbin/nologin yuci
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DEBUG=false \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
# Only var/ (state: media volume, beat schedule) is writable by the service user; the code is not.
RUN mkdir -p /app/var/media /app/var/broker \
    && chown -R yuci:yuci /app/var
WORKDIR /app
USER yuci:yuci
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://localhost:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "yuci_security.wsgi", "--config", "deploy/gunicorn.conf.py"]
