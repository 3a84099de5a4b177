#!/usr/bin/env bash
STANDIN_KIND=agent STANDIN_NAME=mesos-agent exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
