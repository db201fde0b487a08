using System.Diagnostics;
using Nn.Data;
using Nn.Native.Memory;

namespace Nn.Bench;

/// <summary>
/// Parse time of the 60,000 training images (gzip IDX → float32 slab) and the process's peak resident memory,
/// which shows whether the images are held once (47 M floats ≈ 188 MB) or in several copies.
/// </summary>
internal static class LoadFashionMnist
{
    public static int Run()
    {
        string directory = FashionMnist.FindDirectory() ?? throw new DirectoryNotFoundException("Fashion-MNIST is not installed (Debian dataset-fashion-mnist).");
        string images = Path.Combine(directory, "train-images-idx3-ubyte.gz"), labels = Path.Combine(directory, "train-labels-idx1-ubyte.gz");
        long baseline = PeakResident();
        var times = new List<double>();
        for (int i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using DataSet<float> train = IdxReader.LoadClassification<float>(images, labels, FashionMnist.ClassNames);
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (i == 0)
            {
                Console.WriteLine($"samples {train.Count} × {train.FeatureCount}; native slabs {NativeMemoryStatistics.LiveBytes / 1e6:F1} MB");
            }
        }
        times.Sort();
        Console.WriteLine($"parse time (gzip IDX → float32), 5 runs: min {times[0]:F0} ms, median {times[2]:F0} ms");
        Console.WriteLine($"peak resident memory: {PeakResident() / 1e6:F0} MB (before loading {baseline / 1e6:F0} MB); one float32 copy is {60000 * 784 * 4 / 1e6:F0} MB");
        return 0;
    }

    // VmHWM: the high-water mark of resident memory.
    private static long PeakResident() =>
        File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024).First();
}
