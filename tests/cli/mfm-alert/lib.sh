# Shell helpers for the mfm-alert cases, sourced by a case's cmd as
# `. ../lib.sh`.  Every server is tests/servers/httpd.py on 127.0.0.1,
# ends by itself (after its requests or its lifetime), and is waited
# for, so no case leaves a process behind.

. "$MFM_TOP/tests/cli/lib.sh"	# $work, st, statuses
# A loopback test must never go through a proxy of the environment.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy \
	no_proxy NO_PROXY

# start_server [httpd.py flags]: start the server in the background,
# recording requests in $work/req and bodies in $work/bodies; wait (at
# most 5 s) for its port.  Sets $port and $server_pid.
start_server() {
	rm -f "$work/port"
	/usr/bin/python3 "$MFM_TOP/tests/servers/httpd.py" "$work/port" \
		--record "$work/req" --bodies "$work/bodies" "$@" \
		2>>"$work/server.err" &
	server_pid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "test: the server did not start" >&2
			cat "$work/server.err" >&2
			exit 99
		fi
		sleep 0.05
	done
	port=$(cat "$work/port")
}

# stop_server: wait for the server to end by itself; print its status
# if it is not the one expected ($1, default 0: it got all its requests).
stop_server() {
	wait "$server_pid"
	st=$?
	[ "$st" = "${1:-0}" ] || echo "test: server exit status $st" >&2
}

# make_ca: a test CA and server certificate in $work/ca.
make_ca() {
	"$MFM_TOP/tests/servers/mkca" "$work/ca" || exit 99
}

# requests: the recorded requests, with the volatile port hidden.
requests() {
	[ -f "$work/req" ] || return 0
	sed "s/127\\.0\\.0\\.1:$port/127.0.0.1:PORT/g" "$work/req"
}

# hide_port: the same for what mfm-alert printed.
hide_port() {
	sed "s/127\\.0\\.0\\.1:$port/127.0.0.1:PORT/g; s/port $port /port PORT /g
		s/after [0-9]* ms/after N ms/g"
}

# kill_server: stop a server that is not expected to end by itself.
kill_server() {
	{
		kill "$server_pid"
		wait "$server_pid"
	} 2>/dev/null
}

# start_smtpd [smtpd.py flags]: the SMTP server, recording messages in
# $work/mail; sets $port and $server_pid like start_server.
start_smtpd() {
	rm -f "$work/port"
	/usr/bin/python3 "$MFM_TOP/tests/servers/smtpd.py" "$work/port" \
		--record "$work/mail" "$@" 2>>"$work/server.err" &
	server_pid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then
			echo "test: the SMTP server did not start" >&2
			cat "$work/server.err" >&2
			exit 99
		fi
		sleep 0.05
	done
	port=$(cat "$work/port")
}

# json_py EXPR FILE: print EXPR for each JSON line r of FILE.
json_py() {
	/usr/bin/python3 -c '
import json, sys
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    print(eval(sys.argv[1]))' "$1" "$2"
}

# page_file PAGE NAME: what the EXAMPLES of man/PAGE show after
# `$ cat NAME` (up to the next command), so that a case runs the page's
# own file (the lines hold no mdoc escape).
page_file() {
	awk -v n="\$ cat $2" '$0 == n { p = 1; next }
		p && (/^\$ / || /^\.Ed$/) { exit } p' "$MFM_TOP/man/$1"
}
