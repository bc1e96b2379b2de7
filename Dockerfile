# Luna-IEMS API image for the production stack (compose.yaml). Models run in Ollama, so the
# embedded-model extra (llama.cpp, bundled GGUF) is not installed here.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY luna ./luna
RUN pip wheel --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LUNA_HOME=/var/lib/luna
# The German-English dictionary for cross-language keyword search (LUNA_DICTIONARY_PATH).
RUN apt-get update && apt-get install -y --no-install-recommends trans-de-en \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --create-home --uid 10001 luna \
    && mkdir -p /var/lib/luna /var/log/luna && chown luna:luna /var/lib/luna /var/log/luna
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
WORKDIR /app
USER luna
EXPOSE 8000
CMD ["luna", "serve"]
