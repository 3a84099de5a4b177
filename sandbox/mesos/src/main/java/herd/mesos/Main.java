package herd.mesos;

import java.util.Arrays;

/** Entry point for the launchers: first argument picks the daemon. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: Main master|agent [flags]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "master": Master.main(rest); break;
            case "agent": Agent.main(rest); break;
            default:
                System.err.println("unknown daemon " + args[0]);
                System.exit(2);
        }
    }
}
