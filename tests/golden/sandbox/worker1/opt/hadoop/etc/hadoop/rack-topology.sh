#!/bin/sh
# Written by herd from the cluster inventory; edits here are replaced by `herd config push`.
# net.topology.script.file.name: prints the rack of each host name or address given.
for node in "$@"; do
  case "$node" in
    master1|172.30.0.11) echo /rack1 ;;
    master2|172.30.0.12) echo /rack2 ;;
    master3|172.30.0.13) echo /rack3 ;;
    worker1|172.30.0.21) echo /rack1 ;;
    worker2|172.30.0.22) echo /rack1 ;;
    worker3|172.30.0.23) echo /rack2 ;;
    *) echo /default-rack ;;
  esac
done
