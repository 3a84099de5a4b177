#!/bin/sh
# Sets the ops account's password from the checkout's file, mounted read-only
# for root alone (docker-compose.test.yml). It is per checkout, so it is set
# at every boot instead of being baked into the image. The password goes to
# chpasswd on stdin, never on a command line.
set -eu
pw="$(cat /etc/herd-sandbox/ops-password)"
[ -n "${pw}" ] || { echo "empty /etc/herd-sandbox/ops-password" >&2; exit 1; }
printf 'ops:%s\n' "${pw}" | chpasswd
