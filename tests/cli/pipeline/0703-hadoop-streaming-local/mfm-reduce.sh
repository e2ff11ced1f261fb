cut -f 2- | mfm-metric -c mfm.yaml
