#!/bin/sh
# The listener of crazy-max/docker-pure-ftpd (stop-supervisor.sh), with the pidfile as $1:
# READY once, then SIGQUIT to the supervisor for every event; it never sends RESULT.
printf 'READY\n'
while read line; do
	echo "Processing Event: $line" >&2
	kill -3 $(cat "$1")
done < /dev/stdin
