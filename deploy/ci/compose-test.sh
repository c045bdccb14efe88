#!/usr/bin/env bash
# make compose-test: the compose stack under a private Docker daemon, driven over HTTP.
#   1. docker.io and debootstrap from Debian if missing; Compose v2 from trixie's .deb
#   2. a private dockerd (deploy/ci/dockerd.sh): own data root, socket, exec root; stopped at
#      the end with the host's iptables rules, links and ip_forward put back
#   3. stand-in base images (deploy/ci/base-images.sh), kept in the data root between runs
#   4. deploy/ci/compose_check.py: config, build, up, the checks, down -v
# The data root (COMPOSE_TEST_DOCKER_ROOT, default /var/lib/commentsvc-ci-docker) keeps the
# base images and build cache, so a second run skips debootstrap and most of the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
stamp() { echo "=== $1 ($(($(date +%s) - started)) s since start)"; }

if [ "$(id -u)" != "0" ]; then
	echo "compose-test needs root (it runs its own dockerd)" >&2
	exit 1
fi
stamp "packages"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v iptables >/dev/null || missing+=(iptables)
if [ ${#missing[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
DOCKER_CONFIG=$(deploy/ci/compose-plugin.sh)
export DOCKER_CONFIG
docker compose version

stamp "private dockerd"
eval "$(deploy/ci/dockerd.sh env)"
export DOCKER_HOST
trap 'stamp "stopping dockerd"; deploy/ci/dockerd.sh stop' EXIT
deploy/ci/dockerd.sh start

stamp "stand-in base images"
deploy/ci/base-images.sh

stamp "the stack"
python3 deploy/ci/compose_check.py
stamp "done"
