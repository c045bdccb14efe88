# Stand-in for python:3.11-slim, made from Debian bookworm (python3 is 3.11 there). It trusts
# the extra certificate authorities of the machine that builds it (certs/, copied from
# /usr/local/share/ca-certificates by base-images.sh), so pip works behind that machine's
# TLS-inspecting proxy; an official image needs no such thing.
ARG BASE=local/debian:bookworm
FROM ${BASE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv python-is-python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY certs/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt
