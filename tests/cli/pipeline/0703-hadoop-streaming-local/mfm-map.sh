mfm-window -c mfm.yaml |
awk '{ match($0, /"window":\{"start":"[^"]*"/)
       print substr($0, RSTART + 19, 24) "\t" $0 }'
