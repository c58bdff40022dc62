# VRAI receptionist backend. The container listens on 0.0.0.0 inside its own network namespace;
# Thespian's transport still binds to loopback (VRAI_ACTOR_HOST), never published.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    VRAI_DATA_DIR=/data HOST=0.0.0.0 PORT=8080 VRAI_MODEL_CACHE=/app/models
WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY actors/ actors/
COPY gateway/ gateway/
COPY store/ store/
COPY kb/ kb/
COPY cli/ cli/
COPY supervisor.py .
# The int8 build of the embedding model (kb/embedders/quantized.py), made once into the image.
RUN python -c "from pathlib import Path; from kb.embedders.local import LocalEmbedder; LocalEmbedder(model_cache=Path('/app/models')).load()"

RUN useradd --create-home --uid 10001 vrai && mkdir -p /data && chown vrai /data
USER vrai
VOLUME /data
EXPOSE 8080

CMD ["sh", "-c", "python supervisor.py seed-demo --if-empty && exec python supervisor.py serve"]
