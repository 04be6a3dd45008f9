# quizbot: adaptive spaced-repetition study bot (Discord, Slack, console).
#
#   docker build -t quizbot .
#   docker run --rm quizbot quizbot validate
#   docker compose --profile discord up -d          (see docs/deploy.md)
#
# BASE_IMAGE must be a Debian-based image with Python >= 3.11 and the venv module
# (python:3.12-slim by default; CI passes a locally built Debian 12 base, see .ci/docker-check).
ARG BASE_IMAGE=python:3.12-slim

# ---- build: a venv in /opt/venv holding the project's wheel and its dependencies ----------
FROM ${BASE_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# binutils (strip) for this stage only: the final stage gets no build tools.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends binutils \
 && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src

# Dependencies first, read from pyproject.toml, so a code change does not download them again.
# Then trim what running never needs: the libraries' own test suites (numpy, matplotlib: about
# 24 MB) and the debug sections some wheels' compiled modules carry (about 29 MB). Only files
# that have debug sections are stripped (stripping the patchelf-ed libraries in *.libs breaks
# them), and each stripped file is loaded to prove it still links.
COPY pyproject.toml ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write(chr(10).join(deps))" \
 && pip install -r /tmp/requirements.txt \
 && find /opt/venv/lib -depth -type d -name tests -path '*/site-packages/*' -exec rm -rf {} + \
 && { find /opt/venv/lib -name '*.so*' -type f ! -path '*.libs/*' -exec grep -lZF .debug_info {} + > /tmp/debug.list || true; } \
 && xargs -0 -r strip --strip-debug < /tmp/debug.list \
 && python -c "import ctypes; paths = [p for p in open('/tmp/debug.list').read().split(chr(0)) if p]; [ctypes.CDLL(p) for p in paths]; print(len(paths), 'stripped libraries load')" \
 && python -c "import io; from matplotlib.figure import Figure; f = Figure(); f.add_subplot().bar([1, 2], [3, 4]); f.savefig(io.BytesIO(), format='png')"

# Then the project itself, as a wheel, without touching the dependencies again; pip goes.
COPY . .
RUN pip wheel --no-deps --wheel-dir /tmp/wheels . \
 && pip install --no-deps /tmp/wheels/quizbot-*.whl \
 && pip uninstall --yes pip setuptools wheel \
 && quizbot --help > /dev/null

# ---- runtime: the base image, the venv and the bundled decks; no compilers, no pip cache -----
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="quizbot" \
      org.opencontainers.image.description="Adaptive spaced-repetition study bot for Discord and Slack" \
      org.opencontainers.image.licenses="MIT"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    QUIZBOT_DB=/data/quizbot.sqlite3 \
    QUIZBOT_QUESTIONS=/app/questions \
    MPLCONFIGDIR=/home/quizbot/.matplotlib

# A fixed uid/gid, so a bind-mounted folder can be given to it: chown 10001:10001 FOLDER.
RUN groupadd --system --gid 10001 quizbot \
 && useradd --system --uid 10001 --gid quizbot --home-dir /home/quizbot --create-home \
            --shell /usr/sbin/nologin quizbot \
 && mkdir -p /data \
 && chown quizbot:quizbot /data

COPY --from=build /opt/venv /opt/venv
COPY questions/ /app/questions/

WORKDIR /app
USER 10001:10001

# matplotlib's font cache (the stats chart), built once here instead of at every start.
RUN python -c "import matplotlib.font_manager"

# The SQLite database (QUIZBOT_DB) and the heartbeat file beside it.
VOLUME ["/data"]

# PID 1 is the python process itself (exec form, no shell): bot/process/runtime.py handles SIGTERM,
# closes the chat connection and drains the database writer, then exits 0.
STOPSIGNAL SIGTERM

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["quizbot", "health"]

CMD ["quizbot", "run"]
