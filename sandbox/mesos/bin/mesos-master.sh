#!/usr/bin/env bash
MESOS_DAEMON_KIND=master MESOS_DAEMON_NAME=mesos-master exec "$(dirname "${BASH_SOURCE[0]}")/launcher" "$@"
