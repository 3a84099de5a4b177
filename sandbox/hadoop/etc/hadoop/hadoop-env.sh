# Environment for the Hadoop launchers (bin/hdfs, bin/yarn, bin/mapred,
# bin/hadoop). Sourced on every invocation; operators override values here.

# Where Java lives. Required: the launchers do not guess it.
# export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

# Maximum and minimum heap for every daemon and tool (a number means MB).
# Kept small by default: the test hosts are small. Per-daemon overrides go in
# HDFS_NAMENODE_OPTS, YARN_RESOURCEMANAGER_OPTS and so on.
export HADOOP_HEAPSIZE_MAX="${HADOOP_HEAPSIZE_MAX:-256m}"
# export HADOOP_HEAPSIZE_MIN=

# Extra JVM options for every command.
# export HADOOP_OPTS="-Djava.net.preferIPv4Stack=true"

# Options for client commands only (dfs, dfsadmin, haadmin, ...).
# export HADOOP_CLIENT_OPTS=""

# Where pid files go (default /tmp) and where logs go (default $HADOOP_HOME/logs).
# export HADOOP_PID_DIR=/tmp
# export HADOOP_LOG_DIR=${HADOOP_HOME}/logs

# Name used in pid and log file names (default: $USER).
# export HADOOP_IDENT_STRING=$USER

# Seconds --daemon stop waits before kill -9 (default 5).
# export HADOOP_STOP_TIMEOUT=5

# Per-daemon options, e.g.:
# export HDFS_NAMENODE_OPTS="-Dhadoop.security.logger=INFO,RFAS"
# export HDFS_DATANODE_OPTS=""
# export HDFS_JOURNALNODE_OPTS=""
# export HDFS_ZKFC_OPTS=""
# export YARN_RESOURCEMANAGER_OPTS=""
# export YARN_NODEMANAGER_OPTS=""
# export MAPRED_HISTORYSERVER_OPTS=""
