#!/usr/bin/env bash
# Packs the Mesos 1.11 stand-in into OUT_DIR/mesos-1.11.0.tar.gz
# (mesos-1.11.0/bin/{mesos-master.sh,mesos-agent.sh,mesos-slave.sh}, lib/*.jar).
# Skips all work when the tarball is newer than every source file.
set -euo pipefail
OUT_DIR="${1:?usage: build.sh OUT_DIR}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
MAVEN_REPO="${MAVEN_REPO:-$REPO/.cache/m2}"
mkdir -p "$OUT_DIR"
OUT_DIR="$(cd "$OUT_DIR" && pwd)"
TARBALL="$OUT_DIR/mesos-1.11.0.tar.gz"

if [[ -f "$TARBALL" ]] && [[ -z "$(find "$HERE/pom.xml" "$HERE/build.sh" "$HERE/src" "$HERE/bin" -newer "$TARBALL" -print -quit)" ]]; then
  echo "mesos: $TARBALL is up to date"
  exit 0
fi

cd "$HERE"
# Offline first so a warm cache never touches the network; fall back to Maven Central.
if ! mvn -q -B -o -Dmaven.repo.local="$MAVEN_REPO" package >/tmp/mesos-build.$$.log 2>&1; then
  mvn -q -B -Dmaven.repo.local="$MAVEN_REPO" package >/tmp/mesos-build.$$.log 2>&1 || { cat /tmp/mesos-build.$$.log >&2; rm -f /tmp/mesos-build.$$.log; exit 1; }
fi
rm -f /tmp/mesos-build.$$.log

STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/mesos-1.11.0/bin" "$STAGE/mesos-1.11.0/lib"
cp bin/launcher bin/mesos-master.sh bin/mesos-agent.sh bin/mesos-slave.sh "$STAGE/mesos-1.11.0/bin/"
chmod 755 "$STAGE/mesos-1.11.0/bin/"*
cp target/mesos-standin.jar target/lib/*.jar "$STAGE/mesos-1.11.0/lib/"
tar -C "$STAGE" -czf "$TARBALL.tmp" mesos-1.11.0
mv "$TARBALL.tmp" "$TARBALL"
echo "mesos: built $TARBALL"
