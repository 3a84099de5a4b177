package herd.mesos;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;

/**
 * One ZooKeeper session and the group-membership recipe Mesos uses
 * (src/zookeeper/group.cpp): members are EPHEMERAL|SEQUENTIAL children, the
 * oldest (lowest sequence) leads. As in Mesos, a session that stays
 * disconnected for the session timeout counts as lost even before the server
 * expires it, because the server may already have handed leadership away.
 */
public final class ZkGroup implements Watcher {
    public interface Listener {
        void changed();
        void sessionLost(String why);
    }

    public static final class Member {
        public final String name; public final long seq; public final String data;
        Member(String name, long seq, String data) { this.name = name; this.seq = seq; this.data = data; }
    }

    private final ZkUrl url;
    private final long sessionTimeoutMs;
    private final String source;
    private volatile ZooKeeper zk;
    private volatile boolean connected;
    private Listener listener;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zk-group-timer");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> expiry;

    public ZkGroup(ZkUrl url, long sessionTimeoutMs, String source) {
        this.url = url; this.sessionTimeoutMs = sessionTimeoutMs; this.source = source;
    }

    public synchronized void start(Listener l) throws java.io.IOException {
        this.listener = l;
        connect();
    }

    private void connect() throws java.io.IOException {
        connected = false;
        zk = new ZooKeeper(url.servers, (int) sessionTimeoutMs, this);
        if (url.credentials != null) zk.addAuthInfo("digest", url.credentials.getBytes(StandardCharsets.UTF_8));
        armExpiry();
    }

    /** Drops the current session and opens a new one (follower re-contending). */
    public synchronized void renew() {
        try { zk.close(); } catch (Exception ignored) { }
        try { connect(); } catch (java.io.IOException e) { Log.warn(source, "Failed to create ZooKeeper: " + e.getMessage()); }
    }

    private synchronized void armExpiry() {
        if (expiry != null) expiry.cancel(false);
        final ZooKeeper mine = zk;
        expiry = timer.schedule(() -> {
            if (zk == mine && !connected) {
                Log.warn(source, "Timed out waiting to reconnect to ZooKeeper. Forcing ZooKeeper session (sessionId="
                        + Long.toHexString(mine.getSessionId()) + ") expiration");
                listener.sessionLost("session expired");
            }
        }, sessionTimeoutMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void process(WatchedEvent e) {
        if (e.getType() == Event.EventType.None) {
            switch (e.getState()) {
                case SyncConnected:
                    if (!connected) Log.info(source, "Group process (zookeeper-group) connected to ZooKeeper");
                    connected = true;
                    break;
                case Disconnected:
                    connected = false;
                    armExpiry();
                    Log.warn(source, "Group disconnected from ZooKeeper");
                    break;
                case Expired:
                    connected = false;
                    listener.sessionLost("session expired");
                    return;
                default:
            }
        }
        listener.changed();
    }

    public boolean connected() { return connected; }

    private List<ACL> acl() {
        if (url.credentials == null) return ZooDefs.Ids.OPEN_ACL_UNSAFE;
        List<ACL> a = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
        a.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
        return a;
    }

    private void ensurePath(String path) throws KeeperException, InterruptedException {
        if (path.equals("/") || path.isEmpty()) return;
        if (zk.exists(path, false) != null) return;
        ensurePath(path.substring(0, Math.max(path.lastIndexOf('/'), 0)));
        try {
            zk.create(path, new byte[0], acl(), CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException ignored) {
            // A peer created it first; that is fine.
        }
    }

    /** Joins the group at dir with the given label ("json.info_" or "") and returns the znode path. */
    public String join(String dir, String label, String data) throws KeeperException, InterruptedException {
        ensurePath(dir);
        String prefix = dir.equals("/") ? "/" + label : dir + "/" + label;
        return zk.create(prefix, data.getBytes(StandardCharsets.UTF_8), acl(), CreateMode.EPHEMERAL_SEQUENTIAL);
    }

    public boolean exists(String path) {
        try { return zk.exists(path, false) != null; } catch (Exception e) { return false; }
    }

    /** Members under dir whose names are label followed by the 10-digit sequence, oldest first. */
    public List<Member> members(String dir, String label) throws KeeperException, InterruptedException {
        List<Member> out = new ArrayList<>();
        List<String> kids;
        try {
            kids = zk.getChildren(dir, true);
        } catch (KeeperException.NoNodeException e) {
            zk.exists(dir, true);
            return out;
        }
        for (String k : kids) {
            if (!k.startsWith(label)) continue;
            String rest = k.substring(label.length());
            if (!rest.matches("\\d{10}")) continue;
            try {
                byte[] d = zk.getData(dir.equals("/") ? "/" + k : dir + "/" + k, false, null);
                out.add(new Member(k, Long.parseLong(rest), new String(d, StandardCharsets.UTF_8)));
            } catch (KeeperException.NoNodeException gone) {
                // Left between listing and reading.
            }
        }
        out.sort((a, b) -> Long.compare(a.seq, b.seq));
        return out;
    }

    public void close() {
        try { zk.close(); } catch (Exception ignored) { }
    }
}
