# Shell helpers that start Debian's real Prometheus servers on loopback
# for a CLI case, sourced as `. "$MFM_TOP/tests/servers/prom.sh"`:
# prometheus-alertmanager, prometheus-pushgateway,
# prometheus-node-exporter and prometheus itself (scripts/install-deps
# installs them).  Each start_* picks a free port, waits (at most 10 s)
# until the server answers /-/ready (or /metrics), and sets its port
# variable; every server started is stopped when the case's shell exits,
# so no case leaves a process behind.  Servers write their logs to
# $pwork/NAME.log.

pwork=$(mktemp -d "${TMPDIR:-/tmp}/prom.XXXXXX")
prom_pids=""
# A loopback test must never go through a proxy of the environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy \
	no_proxy NO_PROXY

prom_stop_all() {
	for p in $prom_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $prom_pids; do
		wait "$p" 2>/dev/null
	done
	prom_pids=""
}
trap prom_stop_all EXIT

# free_port: a port nobody listens on now (the kernel's choice).
free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# prom_start NAME URLPATH CMD...: start CMD (whose arguments hold the
# word PORT where the port goes), wait until http://127.0.0.1:PORT/URLPATH
# answers 200; sets $prom_port and $prom_pid.  Tries three ports.
prom_start() {
	name=$1
	path=$2
	shift 2
	for try in 1 2 3; do
		prom_port=$(free_port)
		set -- $(printf '%s\n' "$@" | sed "s/PORT/$prom_port/g")
		"$@" >>"$pwork/$name.log" 2>&1 &
		prom_pid=$!
		prom_pids="$prom_pids $prom_pid"
		i=0
		while [ $i -lt 200 ]; do
			if curl -sf -o /dev/null \
			    "http://127.0.0.1:$prom_port/$path"; then
				return 0
			fi
			kill -0 "$prom_pid" 2>/dev/null || break
			sleep 0.05
			i=$((i + 1))
		done
		kill "$prom_pid" 2>/dev/null
		wait "$prom_pid" 2>/dev/null
		# The next try uses a new port: put PORT back.
		set -- $(printf '%s\n' "$@" | sed "s/$prom_port/PORT/g")
	done
	echo "test: $name did not start" >&2
	cat "$pwork/$name.log" >&2
	exit 99
}

# start_alertmanager [CONFIG]: sets $am_port.  The configuration (a file)
# defaults to one route to a receiver that sends nothing.
start_alertmanager() {
	cfg=${1:-$pwork/am.yml}
	if [ ! -f "$cfg" ]; then
		cat >"$cfg" <<'YAML'
route:
  receiver: blackhole
  group_wait: 1h
receivers:
  - name: blackhole
YAML
	fi
	mkdir -p "$pwork/am"
	prom_start alertmanager -/ready prometheus-alertmanager \
		--config.file="$cfg" --storage.path="$pwork/am" \
		--web.listen-address=127.0.0.1:PORT --cluster.listen-address=
	am_port=$prom_port
	am_pid=$prom_pid
}

# start_pushgateway: sets $pg_port.  In memory only: Debian's build
# would keep its groups in /var/lib/prometheus otherwise.
start_pushgateway() {
	prom_start pushgateway -/ready prometheus-pushgateway \
		--web.listen-address=127.0.0.1:PORT --persistence.file=
	pg_port=$prom_port
	pg_pid=$prom_pid
}

# start_node_exporter DIR: only the textfile collector, reading DIR.
start_node_exporter() {
	prom_start node_exporter metrics prometheus-node-exporter \
		--web.listen-address=127.0.0.1:PORT \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$1"
	ne_port=$prom_port
	ne_pid=$prom_pid
}

# start_prometheus TARGET...: scrape each host:port every second, with
# honor_labels as for a Pushgateway; sets $prom_port.
start_prometheus() {
	{
		echo "global:"
		echo "  scrape_interval: 1s"
		echo "scrape_configs:"
		echo "  - job_name: mfm"
		echo "    honor_labels: true"
		echo "    static_configs:"
		echo "      - targets:"
		for t in "$@"; do
			echo "          - '$t'"
		done
	} >"$pwork/prometheus.yml"
	mkdir -p "$pwork/tsdb"
	prom_start prometheus -/ready prometheus \
		--config.file="$pwork/prometheus.yml" \
		--storage.tsdb.path="$pwork/tsdb" \
		--web.listen-address=127.0.0.1:PORT
	pr_port=$prom_port
	pr_pid=$prom_pid
}

# prom_query PORT PROMQL: wait (at most 10 s) until Prometheus answers
# the instant query with a result, then print it as JSON.
prom_query() {
	i=0
	while [ $i -lt 100 ]; do
		r=$(curl -sf -G "http://127.0.0.1:$1/api/v1/query" \
			--data-urlencode "query=$2")
		case $r in
		*'"result":[]'*|'') ;;
		*) printf "%s\n" "$r"; return 0 ;;
		esac
		sleep 0.1
		i=$((i + 1))
	done
	echo "test: no result for $2" >&2
	return 1
}
