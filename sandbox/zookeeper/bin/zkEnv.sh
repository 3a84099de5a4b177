#!/usr/bin/env bash
# shellcheck disable=SC1091,SC2034  # sourced by zkServer.sh, which reads JAVA and sources conf files
# Environment for zkServer.sh and zkCli.sh, laid out as in the Apache binary
# tarball: everything is found relative to bin/, configuration in conf/
# (zoo.cfg, java.env, zookeeper-env.sh, logback.xml) and jars in lib/.
# (Debian's own zkEnv.sh hard-codes /etc/zookeeper and /usr/share/java, so
# it cannot be reused for a relocatable tarball.)

ZOOBINDIR="${ZOOBINDIR:-/usr/bin}"
ZOOKEEPER_PREFIX="${ZOOBINDIR}/.."

if [ -z "$ZOOCFGDIR" ]; then
  ZOOCFGDIR="$(cd "$ZOOKEEPER_PREFIX/conf" && pwd)"
fi

if [ -f "${ZOOCFGDIR}/zookeeper-env.sh" ]; then
  . "${ZOOCFGDIR}/zookeeper-env.sh"
fi

if [ -z "$ZOOCFG" ]; then
  ZOOCFG="zoo.cfg"
fi
ZOOCFG="$ZOOCFGDIR/$ZOOCFG"

if [ -f "$ZOOCFGDIR/java.env" ]; then
  . "$ZOOCFGDIR/java.env"
fi

if [ -z "${ZOO_LOG_DIR}" ]; then
  ZOO_LOG_DIR="$(cd "$ZOOKEEPER_PREFIX" && pwd)/logs"
fi

if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA=java
else
  echo "Error: JAVA_HOME is not set and java could not be found in PATH." 1>&2
  exit 1
fi

CLASSPATH="$ZOOCFGDIR:$CLASSPATH"
for d in "$ZOOKEEPER_PREFIX"/lib/*.jar; do
  CLASSPATH="$CLASSPATH:$d"
done

# Heaps in MB, small unless conf/java.env says otherwise.
ZK_SERVER_HEAP="${ZK_SERVER_HEAP:-1000}"
export SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP}m $SERVER_JVMFLAGS"
ZK_CLIENT_HEAP="${ZK_CLIENT_HEAP:-256}"
export CLIENT_JVMFLAGS="-Xmx${ZK_CLIENT_HEAP}m $CLIENT_JVMFLAGS"
