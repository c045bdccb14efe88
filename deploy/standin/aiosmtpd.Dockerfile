# The SMTP sink of `make compose-test`: aiosmtpd (Debian's package, on the python stand-in)
# storing each message it receives in the maildir /mail. A test tool only; production points
# SMTP_URL at a real relay.
ARG BASE=local/debian:bookworm
FROM ${BASE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3-aiosmtpd \
    && rm -rf /var/lib/apt/lists/*
EXPOSE 8025
CMD ["python3", "-m", "aiosmtpd", "-n", "-l", "0.0.0.0:8025", "-c", "aiosmtpd.handlers.Mailbox", "/mail"]
