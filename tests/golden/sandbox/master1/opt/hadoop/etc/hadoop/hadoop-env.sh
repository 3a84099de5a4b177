# Written by herd from the cluster inventory; edits here are replaced by `herd config push`.

export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
export HADOOP_CONF_DIR=/opt/hadoop/etc/hadoop
export HADOOP_LOG_DIR=/var/log/hadoop
export HADOOP_PID_DIR=/var/run/hadoop
export HADOOP_WORKERS=/opt/hadoop/etc/hadoop/workers
export HADOOP_HEAPSIZE_MAX=128m
export HDFS_NAMENODE_USER=hdfs
export HDFS_DATANODE_USER=hdfs
export HDFS_JOURNALNODE_USER=hdfs
export HDFS_ZKFC_USER=hdfs
export YARN_RESOURCEMANAGER_USER=yarn
export YARN_NODEMANAGER_USER=yarn
export MAPRED_HISTORYSERVER_USER=mapred
export HDFS_NAMENODE_OPTS='-Xmx320m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export HDFS_DATANODE_OPTS='-Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export HDFS_JOURNALNODE_OPTS='-Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export HDFS_ZKFC_OPTS='-Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export YARN_RESOURCEMANAGER_OPTS='-Xmx320m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export YARN_NODEMANAGER_OPTS='-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
export MAPRED_HISTORYSERVER_OPTS='-Xmx192m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData'
