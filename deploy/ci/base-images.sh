#!/usr/bin/env bash
# Stand-in base images for machines that cannot pull from a container registry: Debian bookworm
# made with debootstrap from the apt mirror this machine uses, imported as local/debian:bookworm,
# and small images on it (Debian's python3, postgresql, redis-server, nginx, aiosmtpd). They are
# named local/... and handed to the build and to compose through variables; nothing is tagged
# with an official image's name. Images already in the daemon are kept (a second run is fast).
# Needs DOCKER_HOST pointing at the daemon (deploy/ci/dockerd.sh env).
set -euo pipefail
cd "$(dirname "$0")/../standin"

SUITE=bookworm
BASE=local/debian:$SUITE

have() { docker image inspect "$1" >/dev/null 2>&1; }

# The first Debian (not security) mirror in this machine's apt sources, one-line or deb822 form.
mirror() {
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
		2>/dev/null | awk '
		/^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) print $i }
		/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
		grep -v -e security -e '^$' | grep '/debian/\?$' | head -1
	true
}

if ! have "$BASE"; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
	url=$(mirror)
	[ -n "$url" ] || { echo "no Debian mirror found in /etc/apt/sources.list*" >&2; exit 1; }
	dir=$(mktemp -d /var/tmp/commentsvc-rootfs.XXXXXX)
	trap 'rm -rf "$dir"' EXIT
	echo "debootstrap $SUITE from $url"
	SECONDS=0
	debootstrap --variant=minbase "$SUITE" "$dir" "$url" >"$dir.log" 2>&1 ||
		{ tail -20 "$dir.log" >&2; exit 1; }
	rm -f "$dir.log"
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
	tar -C "$dir" -c . | docker import - "$BASE" >/dev/null
	echo "imported $BASE in ${SECONDS} s"
	rm -rf "$dir"
	trap - EXIT
fi

# The build context: these Dockerfiles and the machine's extra certificate authorities. An image
# is rebuilt when its Dockerfile or those authorities change (a label holds their digest).
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp ./*.Dockerfile ./*.sh "$context/"
mkdir "$context/certs"
cp /usr/local/share/ca-certificates/*.crt "$context/certs/" 2>/dev/null || true
touch "$context/certs/.keep"
SECONDS=0
build() { # image Dockerfile base [files it copies]: rebuilt when its digest label differs
	local image=$1 file=$2 base=$3 digest current
	shift 3
	digest=$( (cat "$file" "$@" 2>/dev/null || true) | sha256sum | cut -c1-16)
	current=$(docker image inspect -f '{{index .Config.Labels "standin.digest"}}' "$image" \
		2>/dev/null || true)
	[ "$current" = "$digest" ] && return 0
	if docker build -q --build-arg BASE="$base" --label standin.digest="$digest" \
		-t "$image" -f "$context/$file" "$context" >"$context/$file.log" 2>&1; then
		echo "built $image in ${SECONDS} s"
	else
		tail -30 "$context/$file.log" >&2
		return 1
	fi
}
# Two at a time (they mostly wait for the mirror); aiosmtpd builds on the python stand-in.
build "local/python:3.11-$SUITE" python.Dockerfile "$BASE" "$context"/certs/* &
build "local/postgres:15-$SUITE" postgres.Dockerfile "$BASE" postgres-entrypoint.sh &
wait -n && wait -n || { wait; exit 1; }
build "local/redis:7.0-$SUITE" redis.Dockerfile "$BASE" &
build "local/nginx:1.22-$SUITE" nginx.Dockerfile "$BASE" &
build "local/aiosmtpd:$SUITE" aiosmtpd.Dockerfile "local/python:3.11-$SUITE" &
for _ in 1 2 3; do wait -n || { wait; exit 1; }; done
docker image prune -f >/dev/null  # stand-ins replaced by a rebuild
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^local/' | sort
