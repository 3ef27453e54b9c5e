# newsmon's container image: `newsmon run` by default, as the unprivileged user `newsmon`.
#
#   docker build -t newsmon .          # ~450 MB over the base: playwright's driver is 170 MB
#   docker build -t newsmon --build-arg WITH_CHROMIUM=1 .   # + Debian's chromium (render = browser)
#
# Debian's own base, not python:3.11-slim: bookworm's python3 is 3.11, the chromium the
# browser renderer drives comes from the same archive, and debian:bookworm-slim is a
# debootstrap minbase tree, which is how this file was built and run where no container
# registry is reachable (BASE=a local image made with debootstrap: deploy/build-image).
# At the top of the repository because the build context must be the whole checkout,
# and `docker build .` and compose's `build: ..` find it there without -f.

ARG BASE=docker.io/library/debian:bookworm-slim

FROM ${BASE} AS build
ENV DEBIAN_FRONTEND=noninteractive PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY . /src
# A plain (not editable) install: the image keeps the virtualenv, never the checkout.
RUN python3 -m venv /opt/newsmon \
 && /opt/newsmon/bin/pip install '/src[postgres]' \
 && /opt/newsmon/bin/newsmon --help >/dev/null

FROM ${BASE}
ARG WITH_CHROMIUM=0
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates tzdata \
      $( [ "$WITH_CHROMIUM" = 1 ] && echo chromium fonts-dejavu-core ) \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/newsmon --shell /usr/sbin/nologin newsmon \
 && install -d -o newsmon -g newsmon -m 0750 /var/lib/newsmon \
 && install -d -o newsmon -g newsmon -m 0700 /var/lib/newsmon/ledger
COPY --from=build /opt/newsmon /opt/newsmon

# The data folder is a volume: SQLite's file when no PostgreSQL is named, and the ledger's
# signing key, which every crawler of a fleet must share (mount the same volume).
ENV PATH=/opt/newsmon/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    NEWSMON_DATABASE_URL=sqlite:////var/lib/newsmon/newsmon.db \
    NEWSMON_LEDGER_KEY=/var/lib/newsmon/ledger/newsmon-ledger.key \
    NEWSMON_WEB_HOST=0.0.0.0
WORKDIR /var/lib/newsmon
VOLUME ["/var/lib/newsmon"]
USER newsmon
EXPOSE 8000
# newsmon stops on SIGTERM: pages in flight finish, a last checkpoint is signed, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsmon"]
CMD ["run"]
