#!/usr/bin/env bash
# A private dockerd for `make compose-test`: its own data root, socket, pidfile and exec root,
# so it never meets a host dockerd. `start` records the host's network state (iptables rules,
# links, ip_forward); `stop` ends the daemon and puts that state back.
#   deploy/ci/dockerd.sh start|stop|env
set -euo pipefail

DATA_ROOT=${COMPOSE_TEST_DOCKER_ROOT:-/var/lib/commentsvc-ci-docker}
RUN_DIR=${COMPOSE_TEST_RUN_DIR:-/run/commentsvc-ci-docker}
SOCK=$RUN_DIR/docker.sock
PIDFILE=$RUN_DIR/dockerd.pid
STATE=$RUN_DIR/host-state

print_env() {
	echo "export DOCKER_HOST=unix://$SOCK"
}

tables() { # which iptables tables exist now (nft backend lists only the ones in use)
	"$1-save" 2>/dev/null | sed -n 's/^\*//p' | sort
}

start() {
	if [ -S "$SOCK" ] && [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
		echo "dockerd already running (pid $(cat "$PIDFILE"))"
		return 0
	fi
	mkdir -p "$RUN_DIR" "$DATA_ROOT" "$STATE"
	# The host's network state before dockerd touches it.
	iptables-save >"$STATE/iptables" 2>/dev/null || true
	ip6tables-save >"$STATE/ip6tables" 2>/dev/null || true
	tables iptables >"$STATE/iptables.tables"
	tables ip6tables >"$STATE/ip6tables.tables"
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$STATE/links"
	sysctl -n net.ipv4.ip_forward >"$STATE/ip_forward"
	if command -v nft >/dev/null; then nft list tables 2>/dev/null | sort >"$STATE/nft.tables"; fi
	dockerd \
		--data-root "$DATA_ROOT" \
		--exec-root "$RUN_DIR/exec" \
		--pidfile "$PIDFILE" \
		--host "unix://$SOCK" \
		--storage-driver overlay2 \
		--log-level warn \
		>"$RUN_DIR/dockerd.log" 2>&1 &
	for _ in $(seq 60); do
		if DOCKER_HOST=unix://$SOCK docker version >/dev/null 2>&1; then
			echo "dockerd up (data root $DATA_ROOT, socket $SOCK)"
			return 0
		fi
		sleep 1
	done
	echo "dockerd did not start; its log:" >&2
	tail -30 "$RUN_DIR/dockerd.log" >&2
	return 1
}

stop() {
	if [ -f "$PIDFILE" ]; then
		pid=$(cat "$PIDFILE")
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid"
			for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
			kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
		fi
		rm -f "$PIDFILE"
	fi
	[ -d "$STATE" ] || return 0
	# Links dockerd made (compose bridges br-*, veth pairs): gone with it.
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort >"$STATE/links.after"
	comm -13 "$STATE/links" "$STATE/links.after" | while read -r link; do
		ip link delete "$link" 2>/dev/null || true
	done
	# iptables: back to the saved rules; tables that did not exist before are emptied.
	for cmd in iptables ip6tables; do
		[ -s "$STATE/$cmd" ] && "$cmd-restore" <"$STATE/$cmd" 2>/dev/null || true
		tables "$cmd" | comm -13 "$STATE/$cmd.tables" - | while read -r t; do
			"$cmd" -t "$t" -F 2>/dev/null || true
			"$cmd" -t "$t" -X 2>/dev/null || true
			"$cmd-save" -t "$t" 2>/dev/null | sed -n 's/^:\([A-Z]*\) [A-Z]*.*/\1/p' |
				while read -r chain; do "$cmd" -t "$t" -P "$chain" ACCEPT 2>/dev/null || true; done
		done
	done
	# nftables (iptables' nf_tables backend): tables that were not there before are removed.
	if [ -f "$STATE/nft.tables" ]; then
		nft list tables 2>/dev/null | sort | comm -13 "$STATE/nft.tables" - | while read -r _ fam name; do
			nft delete table "$fam" "$name" 2>/dev/null || true
		done
	fi
	sysctl -q -w net.ipv4.ip_forward="$(cat "$STATE/ip_forward")" || true
	# Mounts left under the exec root (netns files) would keep the daemon's state alive.
	grep " $RUN_DIR" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$STATE"
	echo "dockerd stopped; host network state restored"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
env) print_env ;;
*) echo "usage: $0 start|stop|env" >&2; exit 2 ;;
esac
