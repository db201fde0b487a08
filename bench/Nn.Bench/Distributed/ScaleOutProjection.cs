using System.Diagnostics;
using System.Globalization;
using Nn.Native;
using Nn.Training;

namespace Nn.Bench.Distributed;

/// <summary>
/// scale-out: measures one rank's training step here (784-256-128-10, Adam, one thread) at shard sizes 8 to 1,024, fits
/// t(b) = fixed + perSample·b, and projects data-parallel epoch time on Fashion-MNIST (60,000 samples) to 2-128 machines
/// over 10 and 100 Gbit/s with a ring all-reduce of the gradient slab. A projection on paper from measured inputs: the
/// network model (bandwidth, per-hop latency) is stated, not measured.
/// </summary>
internal static class ScaleOutProjection
{
    private const int Samples = 60_000;
    private static readonly int[] Shards = [8, 16, 32, 64, 128, 256, 512, 1024];
    private static readonly int[] Machines = [1, 2, 8, 32, 128];
    private static readonly int[] GlobalBatches = [128, 512, 2048, 8192];
    // Link: (name, bits per second, per-hop latency in seconds): 10 GbE over TCP, 100 Gbit/s RDMA (InfiniBand/RoCE).
    private static readonly (string Name, double Bits, double Latency)[] Links = [("10 Gbit/s", 10e9, 20e-6), ("100 Gbit/s", 100e9, 3e-6)];

    public static int Run(string[] args)
    {
        Blas.Provider.Threads = 1;
        Sequential architecture = Nn.Models.Recipes.Classifier(784, 10, 256, 128).Architecture;
        using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
        var adam = new Adam(1e-3);
        using OptimizerState<float> state = adam.CreateState<float>(network.ParameterCount);
        var loss = new CategoricalCrossEntropy();
        var random = new Random(1);
        float[] inputs = Enumerable.Range(0, Shards[^1] * 784).Select(_ => (float)random.NextDouble()).ToArray();
        float[] targets = new float[Shards[^1] * 10];
        for (int i = 0; i < Shards[^1]; i++) targets[i * 10 + random.Next(10)] = 1;
        long slabBytes = (long)network.ParameterCount * sizeof(float);

        Console.WriteLine($"# scale-out projection, {DateTime.UtcNow:yyyy-MM-dd}: {architecture}, {network.ParameterCount:N0} parameters, gradient slab {slabBytes / 1e6:F2} MB");
        Console.WriteLine($"# one rank's step measured here: {Blas.Provider.Name}, 1 thread, median of 15 runs of 20 steps (forward, backward, Adam, 2 finite checks)");
        Console.WriteLine();
        Console.WriteLine("| shard rows b | step (ms) | of which Adam + checks (ms) |");
        Console.WriteLine("|---:|---:|---:|");
        var measured = new List<(int B, double Seconds)>();
        double optimizerSeconds = Median(() =>
        {
            state.Step(network.Parameters, network.Gradients, 1e-3f);
            _ = Network<float>.AllFinite(network.Gradients);
            _ = Network<float>.AllFinite(network.Parameters);
        });
        foreach (int b in Shards)
        {
            double seconds = Median(() =>
            {
                network.ComputeGradients(inputs.AsSpan(0, b * 784), targets.AsSpan(0, b * 10), b, loss);
                state.Step(network.Parameters, network.Gradients, 1e-3f);
                _ = Network<float>.AllFinite(network.Gradients);
                _ = Network<float>.AllFinite(network.Parameters);
            });
            measured.Add((b, seconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {b} | {seconds * 1e3:F3} | {optimizerSeconds * 1e3:F3} |"));
        }
        (double fixedCost, double perSample) = FitLine(measured);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Fit: t(b) = {fixedCost * 1e3:F3} ms + {perSample * 1e6:F2} µs × b (per-sample cost grows linearly; the fixed part is the optimizer, the checks and the weight-sized passes every rank repeats)."));
        Console.WriteLine();
        Console.WriteLine("Ring all-reduce per step: 2(p−1)·α + 2(p−1)/p · slab / bandwidth; α = 20 µs a hop at 10 Gbit/s (TCP), 3 µs at 100 Gbit/s (RDMA).");
        Console.WriteLine("Epoch = ⌈60,000 / B⌉ steps × (t(B/p) + all-reduce). Efficiency = T(1) / (p · T(p)).");
        foreach ((string name, double bits, double latency) in Links)
        {
            Console.WriteLine();
            Console.WriteLine($"**{name}**");
            Console.WriteLine();
            Console.WriteLine("| global batch B | " + string.Join(" | ", Machines.Select(p => $"p = {p}: epoch s (eff.)")) + " |");
            Console.WriteLine("|---:|" + string.Concat(Machines.Select(_ => "---:|")));
            foreach (int batch in GlobalBatches)
            {
                double one = Epoch(batch, 1);
                Console.WriteLine($"| {batch} | " + string.Join(" | ", Machines.Select(p =>
                {
                    double t = Epoch(batch, p);
                    return string.Create(CultureInfo.InvariantCulture, $"{t:F3} ({one / (p * t):P0})");
                })) + " |");
            }
            Console.WriteLine();
            Console.WriteLine("Smallest global batch (power of two) at which p machines still reach 50 % efficiency: " + string.Join(", ", Machines.Skip(1).Select(p =>
            {
                int b = 1;
                while (b <= 1 << 20 && Epoch(b, 1) / (p * Epoch(b, p)) < 0.5) b *= 2;
                return b > 1 << 20 ? $"p = {p}: never" : $"p = {p}: {b} ({(double)b / p:F0} rows a machine)";
            })) + ".");

            double Epoch(int batch, int p)
            {
                double shard = Math.Max(1.0, (double)batch / p);
                double allReduce = p == 1 ? 0 : 2 * (p - 1) * latency + 2.0 * (p - 1) / p * slabBytes * 8 / bits;
                return Math.Ceiling((double)Samples / batch) * (fixedCost + perSample * shard + allReduce);
            }
        }
        return 0;
    }

    private static double Median(Action step)
    {
        for (int i = 0; i < 5; i++) step();
        var runs = new double[15];
        for (int r = 0; r < runs.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 20; i++) step();
            runs[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / 20;
        }
        Array.Sort(runs);
        return runs[runs.Length / 2];
    }

    private static (double Intercept, double Slope) FitLine(List<(int X, double Y)> points)
    {
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / points.Sum(p => (p.X - mx) * (p.X - mx));
        return (my - slope * mx, slope);
    }
}
