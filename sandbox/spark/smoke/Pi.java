package herd.smoke;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The sandbox's Spark smoke job: a Monte Carlo estimate of pi, the job
 * Apache's SparkPi runs, with its output line ("Pi is roughly ...") so that
 * whoever reads the driver's stdout can take either. It also prints the
 * application id, which names the run in YARN and in the history server.
 *
 * <p>Usage: Pi [slices], 2 slices by default, 100,000 points per slice (as
 * SparkPi): within 0.01 of pi, and done in a second. Each slice's generator
 * is seeded with its number, so the same slices give the same estimate.
 */
public final class Pi {
  private static final int POINTS_PER_SLICE = 100_000;

  private Pi() {}

  public static void main(String[] args) {
    int slices = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    if (slices < 1) {
      throw new IllegalArgumentException("slices must be at least 1, got " + slices);
    }
    SparkSession spark = SparkSession.builder().appName("herd smoke Pi").getOrCreate();
    try {
      JavaSparkContext sc = new JavaSparkContext(spark.sparkContext());
      List<Integer> seeds = new ArrayList<>(slices);
      for (int i = 0; i < slices; i++) {
        seeds.add(i);
      }
      // One task per slice draws its own points: the driver ships slice
      // numbers, not 100,000 boxed integers each.
      long inside =
          sc.parallelize(seeds, slices)
              .map(
                  seed -> {
                    SplittableRandom random = new SplittableRandom(0x5eedL + seed);
                    long hits = 0;
                    for (int p = 0; p < POINTS_PER_SLICE; p++) {
                      double x = random.nextDouble() * 2 - 1;
                      double y = random.nextDouble() * 2 - 1;
                      if (x * x + y * y <= 1) {
                        hits++;
                      }
                    }
                    return hits;
                  })
              .reduce(Long::sum);
      long total = (long) slices * POINTS_PER_SLICE;
      System.out.println("Pi is roughly " + 4.0 * inside / total);
      System.out.println("Application id: " + sc.sc().applicationId());
    } finally {
      spark.stop();
    }
  }
}
