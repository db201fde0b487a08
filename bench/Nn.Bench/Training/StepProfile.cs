using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.Native;
using Nn.Native.Providers.Managed;
using Nn.Training;

namespace Nn.Bench.Training;

/// <summary>
/// step-profile [provider]: where one training step's time goes (784-256-128-10, batch 128, Adam) on 1 and 2 threads:
/// batch gathering, forward, forward + backward, the GEMMs alone (same shapes, same provider), the optimizer and the
/// finite checks. Stopwatch medians of 15 runs of 50 repetitions; the machine is shared, so read the shares, not the digits.
/// </summary>
internal static class StepProfile
{
    private const int Batch = 128, Samples = 60_000;
    private static readonly int[] Widths = [784, 256, 128, 10];

    public static int Run(string[] args)
    {
        BlasProvider provider = args.Length > 1 ? Blas.Load(Blas.ParseKind(args[1]) ?? throw new ArgumentException(args[1])) : Blas.Provider;
        var random = new Random(1);
        float[] pixels = new float[Samples * 784];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = random.NextSingle();
        int[] labels = Enumerable.Range(0, Samples).Select(_ => random.Next(10)).ToArray();
        using DataSet<float> data = DataSet.FromClassification<float>(pixels, 784, labels);
        int[] order = Enumerable.Range(0, Samples).ToArray();
        random.Shuffle(order);
        float[] x = new float[Batch * 784], y = new float[Batch * 10];
        var loss = new CategoricalCrossEntropy();
        Console.WriteLine($"# step profile {DateTime.UtcNow:yyyy-MM-dd}: 784-256-128-10, batch {Batch}, Adam, {provider.Name}; OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}");
        Console.WriteLine();
        Console.WriteLine("| part | 1 thread (ms) | share | 2 threads (ms) | share |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var rows = new List<(string Name, double[] Ms)>();
        foreach (int threads in new[] { 1, 2 })
        {
            provider.Threads = threads;
            Sequential architecture = Nn.Models.Recipes.Classifier(784, 10, 256, 128).Architecture;
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1, Provider = provider });
            using OptimizerState<float> adam = new Adam(1e-3).CreateState<float>(network.ParameterCount);
            adam.Provider = provider;   // as the trainer does: the managed provider lends its workers to the pass
            // Dense operands: the managed kernel skips steps of zeros, and these products time every step.
            float[][] weights = Widths.Zip(Widths.Skip(1), (i, o) => Dense(i * o, random)).ToArray();
            float[][] activations = Widths.Select(w => Dense(Batch * w, random)).ToArray();
            int batch = 0;
            var parts = new (string, Action)[]
            {
                ("gather a batch (128 of 60,000 rows)", () => { data.GatherBatch(order.AsSpan((batch++ % 400) * Batch, Batch), x, y, provider); }),
                ("forward", () => network.Forward(x, Batch)),
                ("forward + loss + backward", () => network.ComputeGradients(x, y, Batch, loss)),
                ("  of which the 8 GEMMs alone (no zeros to skip)", () => Gemms(provider, weights, activations)),
                ("Adam step", () => adam.Step(network.Parameters, network.Gradients, 1e-3f)),
                ("Adam step with the finite checks (the trainer's)", () => adam.StepChecked(network.Parameters, network.Gradients, 1e-3f)),
                ("accuracy count", () => Trainer.CountCorrect(network.LastOutputs(Batch), labels.AsSpan(0, Batch), 10)),
            };
            network.ComputeGradients(x, y, Batch, loss);
            foreach ((string name, Action part) in parts)
            {
                double ms = Median(part) * 1e3;
                int row = rows.FindIndex(r => r.Name == name);
                if (row < 0) rows.Add((name, [ms, 0]));
                else rows[row].Ms[1] = ms;
            }
        }
        double[] totals = [0, 0];
        foreach ((string name, double[] ms) in rows)
        {
            if (name.StartsWith("  ", StringComparison.Ordinal) || name == "forward") continue;
            totals[0] += ms[0];
            totals[1] += ms[1];
        }
        foreach ((string name, double[] ms) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ms[0]:F3} | {ms[0] / totals[0]:P0} | {ms[1]:F3} | {ms[1] / totals[1]:P0} |"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| **step (sum, forward counted once)** | {totals[0]:F3} | | {totals[1]:F3} | |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"An epoch is {Samples / (double)Batch:F0} steps: {totals[0] * Samples / Batch / 1e3:F2} s on 1 thread, {totals[1] * Samples / Batch / 1e3:F2} s on 2 by this sum."));
        Console.WriteLine();
        // Real pixels when Fashion-MNIST is installed: on random ones with random labels most ReLUs die, and the
        // optimizer then spends its time on subnormal moments (a 2x slower Adam pass that real data does not show).
        if (FashionMnist.FindDirectory() is null)
        {
            InEpoch(provider, data, loss, "random pixels");
        }
        else
        {
            (DataSet<float> train, DataSet<float> test) = FashionBench.LoadScaled();
            using (train)
            using (test)
            {
                InEpoch(provider, train, loss, "Fashion-MNIST");
            }
        }
        return 0;
    }

    // The parts measured one at a time run with their data hot in cache; inside an epoch each part finds what the
    // others left there. This times the trainer's own sequence, phase by phase, over whole shuffled epochs: alternately
    // with the managed kernel skipping zero depth steps (its default) and walking every step (the same results).
    private static void InEpoch(BlasProvider provider, DataSet<float> data, Loss loss, string source)
    {
        string[] names = ["gather: finish this batch, start the next", "forward + loss + backward", "accuracy count", "Adam step with the finite checks"];
        Console.WriteLine($"Inside an epoch ({source}; the trainer's order, 2 threads; medians of 5 epochs each way, alternating, after 1 warm-up):");
        Console.WriteLine();
        Console.WriteLine("| phase | ms per step | ms per epoch | every step walked: ms per step | ms per epoch |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        provider.Threads = 2;
        using var network = new Network<float>(Nn.Models.Recipes.Classifier(784, 10, 256, 128).Architecture, new NetworkOptions { Seed = 1, Provider = provider });
        using OptimizerState<float> adam = new Adam(1e-3).CreateState<float>(network.ParameterCount);
        adam.Provider = provider;
        using var loader = new BatchLoader<float>(data, Batch, provider, labelled: true);
        int[] order = Enumerable.Range(0, Samples).ToArray();
        var random = new Random(2);
        int steps = Samples / Batch;
        var epochs = new double[11][];
        var walked = new long[epochs.Length];
        for (int e = 0; e < epochs.Length; e++)
        {
            ManagedGemmKernel<float>.SkipZeroSteps = e % 2 == 1 || e == 0;
            long walkedBefore = ManagedGemmKernel<float>.StepsWalked;
            random.Shuffle(order);
            var spent = new long[names.Length + 1];
            long epochStart = Stopwatch.GetTimestamp();
            for (int b = 0; b < steps; b++)
            {
                long t0 = Stopwatch.GetTimestamp();
                if (!loader.IsPending) loader.Start(order.AsSpan(b * Batch, Batch));
                BatchLoader<float>.Batch batch = loader.Take();
                if (b + 1 < steps) loader.Start(order.AsSpan((b + 1) * Batch, Batch));
                long t1 = Stopwatch.GetTimestamp();
                network.ComputeGradients(batch.Features, batch.Targets, Batch, loss);
                long t2 = Stopwatch.GetTimestamp();
                _ = Trainer.CountCorrect(network.LastOutputs(Batch), batch.Labels, 10);
                long t3 = Stopwatch.GetTimestamp();
                _ = adam.StepChecked(network.Parameters, network.Gradients, 1e-3f);
                long t4 = Stopwatch.GetTimestamp();
                spent[0] += t1 - t0; spent[1] += t2 - t1; spent[2] += t3 - t2; spent[3] += t4 - t3;
            }
            spent[names.Length] = Stopwatch.GetTimestamp() - epochStart;
            epochs[e] = spent.Select(ticks => ticks * 1e3 / Stopwatch.Frequency).ToArray();
            walked[e] = ManagedGemmKernel<float>.StepsWalked - walkedBefore;
        }
        ManagedGemmKernel<float>.SkipZeroSteps = true;
        for (int p = 0; p <= names.Length; p++)
        {
            double skipping = Median(Enumerable.Range(1, 10).Where(e => e % 2 == 1).Select(e => epochs[e][p]));
            double every = Median(Enumerable.Range(1, 10).Where(e => e % 2 == 0).Select(e => epochs[e][p]));
            string name = p < names.Length ? names[p] : "**whole epoch (wall clock)**";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {skipping / steps:F3} | {skipping:F1} | {every / steps:F3} | {every:F1} |"));
        }
        if (provider.Kind == BlasProviderKind.Managed)
        {
            // Counted on the calling thread only (the worker's parts are the same products' other halves).
            double skippingSteps = Median(Enumerable.Range(1, 10).Where(e => e % 2 == 1).Select(e => (double)walked[e]));
            double everySteps = Median(Enumerable.Range(1, 10).Where(e => e % 2 == 0).Select(e => (double)walked[e]));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The micro-kernel walked {skippingSteps / everySteps:P1} of the depth steps it walks with skipping off (calling thread)."));
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    // The step's GEMMs with the engine's shapes and transposes: forward X·Wᵀ, dW = δᵀ·X, dX = δ·W (not for layer 1).
    private static void Gemms(BlasProvider provider, float[][] weights, float[][] activations)
    {
        for (int l = 0; l < 3; l++)
        {
            int n = Widths[l + 1], k = Widths[l];
            provider.Gemm(Transpose.None, Transpose.Transposed, Batch, n, k, 1f, activations[l], k, weights[l], k, 0f, activations[l + 1], n);
        }
        for (int l = 2; l >= 0; l--)
        {
            int o = Widths[l + 1], i = Widths[l];
            provider.Gemm(Transpose.Transposed, Transpose.None, o, i, Batch, 1f, activations[l + 1], o, activations[l], i, 0f, weights[l], i);
            if (l > 0) provider.Gemm(Transpose.None, Transpose.None, Batch, i, o, 1f, activations[l + 1], o, weights[l], i, 0f, activations[l], i);
        }
    }

    // Values in [0.5, 1): no zero for the kernel to skip, and products that neither overflow nor vanish when repeated.
    private static float[] Dense(int length, Random random) => Enumerable.Range(0, length).Select(_ => 0.5f + 0.5f * random.NextSingle()).ToArray();

    private static double Median(Action part)
    {
        // Long enough for tiered compilation to reach its optimised code.
        long warm = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(warm).TotalSeconds < 0.5) part();
        var runs = new double[15];
        for (int r = 0; r < runs.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < 50; i++) part();
            runs[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / 50;
        }
        Array.Sort(runs);
        return runs[runs.Length / 2];
    }
}
