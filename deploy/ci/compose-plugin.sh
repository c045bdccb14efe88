#!/usr/bin/env bash
# Compose v2 as a docker CLI plugin, from Debian trixie's docker-compose package (bookworm has
# only v1). The .deb is fetched with a private apt state (its own sources list, lists and cache
# under $CACHE/apt) so the host's apt sources and package lists stay exactly as they were; the
# plugin is extracted into $CACHE/docker-config/cli-plugins, used through DOCKER_CONFIG.
#   deploy/ci/compose-plugin.sh   -> prints the DOCKER_CONFIG directory to use
set -euo pipefail
CACHE=${COMPOSE_TEST_CACHE:-/var/cache/commentsvc-ci}
CONFIG=$CACHE/docker-config
PLUGIN=$CONFIG/cli-plugins/docker-compose

if [ ! -x "$PLUGIN" ]; then
	apt=$CACHE/apt
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/deb" "$CONFIG/cli-plugins"
	url=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
		2>/dev/null | awk '
		/^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) print $i }
		/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' |
		grep -v security | grep '/debian/\?$' | head -1 || true)
	url=${url:-http://deb.debian.org/debian}
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $url trixie main" \
		>"$apt/sources.list"
	opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=/dev/null"
		-o "Dir::State::lists=$apt/lists" -o "Dir::Cache=$apt/cache"
		-o "Dir::State::status=/dev/null" -o "APT::Get::List-Cleanup=0"
		-o "APT::Sandbox::User=root")
	apt-get -qq "${opts[@]}" update >&2
	(cd "$apt/deb" && rm -f ./*.deb && apt-get -qq "${opts[@]}" download docker-compose >&2)
	tmp=$(mktemp -d)
	dpkg-deb -x "$apt"/deb/docker-compose_*.deb "$tmp"
	install -m 0755 "$(find "$tmp" -path '*cli-plugins/docker-compose' -type f | head -1)" "$PLUGIN"
	rm -rf "$tmp" "$apt"
fi
echo "$CONFIG"
