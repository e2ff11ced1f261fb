mfm-threshold -c mfm.yaml metrics.ndjson >alerts.ndjson
case $? in
0) echo breach; exit 1;;
1) ;;
*) exit 2;;
esac
