#!/usr/bin/env bash
STANDIN_KIND=master STANDIN_NAME=mesos-master exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
