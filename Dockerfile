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
# pip does not byte-compile (--no-compile): docker/slim_venv.py first removes what running never
# needs (test suites, typing stubs, sources and headers, build tools, GUI backends, unused
# codecs and font tools: see its docstring) and strips debug sections; then every remaining
# module is compiled once, here, so the non-root bot never compiles at start (it cannot write
# /opt/venv). The .py sources stay beside the .pyc files: tracebacks keep their source lines.
COPY pyproject.toml docker/slim_venv.py ./
RUN python -c "import tomllib; deps = tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']; open('/tmp/requirements.txt', 'w').write(chr(10).join(deps))" \
 && pip install --no-compile -r /tmp/requirements.txt \
 && python slim_venv.py \
 && python -m compileall -q -j0 /opt/venv/lib

# Then the project itself, as a wheel, without touching the dependencies again; pip, setuptools
# and wheel go. compileall compiles only the new modules (the rest is up to date), and
# docker/check_venv.py proves the trimmed venv still imports every bot module and draws the
# stats chart (and the other formats matplotlib writes here), or the build fails.
COPY . .
RUN pip wheel --no-deps --wheel-dir /tmp/wheels . \
 && pip install --no-compile --no-deps /tmp/wheels/quizbot-*.whl \
 && pip uninstall --yes pip setuptools wheel \
 && python -m compileall -q -j0 /opt/venv/lib \
 && python docker/check_venv.py \
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

# The real stats chart (bot/adapters/charts.py) drawn once in the final image, as the bot's
# user: it proves the chart works here and leaves matplotlib's font cache in MPLCONFIGDIR, so
# no start has to build it.
RUN python -c "from datetime import UTC, datetime; from bot.adapters.charts import stats_chart; from bot.core.models import Learner; from bot.core.reports import DayCount, Stats; now = datetime.now(UTC); png = stats_chart(Stats(Learner('console', 'image', 'build'), 3, 2, 1, 0, 0, 0, days=(DayCount(now.date().isoformat(), 3, 2),)), now); assert png.startswith(bytes([137, 80, 78, 71])), 'not a PNG'; print('stats chart:', len(png), 'bytes of PNG')"

# The SQLite database (QUIZBOT_DB) and the heartbeat file beside it.
VOLUME ["/data"]

# PID 1 is the python process itself (exec form, no shell): bot/process/runtime.py handles SIGTERM,
# closes the chat connection and drains the database writer, then exits 0.
STOPSIGNAL SIGTERM

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["quizbot", "health"]

CMD ["quizbot", "run"]
