set -eu
mfm-threshold -c mfm.yaml metrics.ndjson >alerts.ndjson
echo ok
