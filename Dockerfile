# kontrol's image: the wheel and its dependencies in a virtual environment, nothing of the
# checkout, run by a user of its own. One image for every role of the distributed set-up
# (compose.yaml): `kontrol …` commands, the portal, a Prefect process worker, a Prefect server.
#   docker build -t kontrol .
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# 1. the wheel, built from the sources the package is made of
FROM ${PYTHON_IMAGE} AS wheel
WORKDIR /src
RUN pip install --no-cache-dir "build==1.*" "setuptools>=77"
COPY pyproject.toml README.md LICENSE ./
COPY kontrol kontrol
COPY cli cli
COPY roadmap roadmap
COPY models models
COPY flows flows
COPY tasks tasks
COPY deployments deployments
COPY portal portal
COPY templates templates
COPY examples examples
RUN python -m build --no-isolation --wheel --outdir /dist .

# 2. the wheel installed with its dependencies, in a venv copied whole into the final image
FROM ${PYTHON_IMAGE} AS venv
COPY --from=wheel /dist /dist
RUN python -m venv /opt/kontrol \
    && /opt/kontrol/bin/pip install --no-cache-dir /dist/kontrol-*.whl

# 3. what runs: no compiler, no build tools, no sources, not root
FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /var/lib/kontrol kontrol
COPY --from=venv /opt/kontrol /opt/kontrol
ENV PATH=/opt/kontrol/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONUTF8=1 \
    DO_NOT_TRACK=1 \
    PREFECT_HOME=/var/lib/kontrol/prefect \
    KONTROL_UPLOAD_DIR=/var/lib/kontrol/uploads
USER 10001:10001
WORKDIR /var/lib/kontrol
# volumes mounted here start owned by kontrol (an image folder lends its owner to a new volume)
RUN mkdir -p decree uploads prefect/ui
EXPOSE 8080 4200
CMD ["kontrol", "--help"]
