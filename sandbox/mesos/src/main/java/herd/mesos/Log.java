package herd.mesos;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * glog look-alike. Operators and herd grep these lines, so the layout follows
 * glog ("I1121 08:20:00.123456  4242 master.cpp:0] ...") and the files follow
 * glog's naming with the "<program>.INFO" symlink in --log_dir.
 */
public final class Log {
    private static final String SEV = "IWEF";
    private static final String[] SEV_NAMES = {"INFO", "WARNING", "ERROR", "FATAL"};
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("MMdd HH:mm:ss.SSSSSS");
    private static int minLevel = 0;
    private static String program = "mesos";
    private static String logDir;
    private static final PrintStream[] files = new PrintStream[3];
    private static final long PID = ProcessHandle.current().pid();

    private Log() {}

    /** Mirrors logging::initialize: --logging_level drops lower messages everywhere. */
    public static synchronized void init(String prog, String level, String dir) {
        program = prog;
        int idx = java.util.Arrays.asList(SEV_NAMES).indexOf(level == null ? "INFO" : level.toUpperCase());
        minLevel = Math.max(idx, 0);
        logDir = dir;
        if (dir != null) {
            try {
                Files.createDirectories(Path.of(dir));
                open(0);
            } catch (IOException e) {
                System.err.println("Could not create logging file: " + e.getMessage());
            }
        }
    }

    /** glog rejects unknown levels the same way. */
    public static boolean validLevel(String level) {
        return level.equals("INFO") || level.equals("WARNING") || level.equals("ERROR");
    }

    private static void open(int sev) throws IOException {
        if (files[sev] != null || logDir == null) return;
        String host = Net.localHostname();
        String user = System.getProperty("user.name", "root");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String name = program + "." + host + "." + user + ".log." + SEV_NAMES[sev] + "." + stamp + "." + PID;
        File f = new File(logDir, name);
        PrintStream ps = new PrintStream(new FileOutputStream(f, true), true, StandardCharsets.UTF_8);
        ps.println("Log file created at: " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss")));
        ps.println("Running on machine: " + host);
        ps.println("Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg");
        files[sev] = ps;
        Path link = Path.of(logDir, program + "." + SEV_NAMES[sev]);
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of(name));
        } catch (IOException | UnsupportedOperationException ignored) {
            // The symlink is a convenience; glog also carries on without it.
        }
    }

    private static synchronized void emit(int sev, String file, String msg) {
        if (sev < minLevel && sev < 3) return;
        String line = SEV.charAt(sev) + LocalDateTime.now().format(TS) + " "
                + String.format("%5d", Thread.currentThread().getId() + PID) + " " + file + "] " + msg;
        System.err.println(line);
        for (int k = 0; k <= Math.min(sev, 2); k++) {
            try { open(k); } catch (IOException ignored) { }
            if (files[k] != null) files[k].println(line);
        }
    }

    public static void info(String file, String msg) { emit(0, file, msg); }
    public static void warn(String file, String msg) { emit(1, file, msg); }
    public static void error(String file, String msg) { emit(2, file, msg); }

    /** stout EXIT(): an ERROR line "EXIT with status N: ..." then exit(N). */
    public static void exit(String file, int status, String msg) {
        emit(status == 0 ? 0 : 2, file, "EXIT with status " + status + ": " + msg);
        flush();
        Runtime.getRuntime().halt(status);
    }

    /** LOG(FATAL): glog prints the check-failure banner and aborts (SIGABRT, 134). */
    public static void fatal(String file, String msg) {
        emit(3, file, msg);
        System.err.println("*** Check failure stack trace: ***");
        for (PrintStream p : files) if (p != null) p.println("*** Check failure stack trace: ***");
        flush();
        Runtime.getRuntime().halt(134);
    }

    public static synchronized void flush() {
        System.err.flush();
        for (PrintStream p : files) if (p != null) p.flush();
    }
}
