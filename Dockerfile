# One image for every Tsunagu process; docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app TSUNAGU_HOST=0.0.0.0
WORKDIR /app

COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY . .
RUN find gateway/translations -name messages.po -execdir pybabel -q compile -i messages.po -o messages.mo \; \
 && useradd --system --uid 10001 tsunagu && mkdir -p /data /keys && chown tsunagu /data /keys
USER tsunagu

CMD ["python", "-m", "tsunagu", "serve", "gateway"]
