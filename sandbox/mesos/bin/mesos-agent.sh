#!/usr/bin/env bash
MESOS_DAEMON_KIND=agent MESOS_DAEMON_NAME=mesos-agent exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
