using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.Native;
using Nn.Native.Memory;
using Nn.Training;

namespace Nn.Bench.Training;

/// <summary>
/// training-scaling: how Nn's training cost grows on Fashion-MNIST (Adam 1e-3, batch 128, the default provider and threads):
/// epoch time against the number of samples (10k-60k, 784-256-128-10) and the hidden width w (784-w-w/2-10, w = 64-2,048,
/// 20k samples), and native memory against the batch size. Each curve is fitted by least squares and the fit printed.
/// An epoch's time is the median of epochs 2-4 (the first carries JIT compilation and first-touch page faults; the machine is shared).
/// </summary>
internal static class TrainingScaling
{
    public static int Run(string[] args)
    {
        (DataSet<float> all, DataSet<float> test) = FashionBench.LoadScaled();
        test.Dispose();
        using (all)
        {
            Console.WriteLine($"# training scaling {DateTime.UtcNow:yyyy-MM-dd}: {Blas.Provider.Name}, {Blas.Provider.Threads} thread(s), OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}");
            Console.WriteLine();
            Console.WriteLine("| samples | s / epoch | µs / sample |");
            Console.WriteLine("|---:|---:|---:|");
            var bySamples = new List<(double, double)>();
            foreach (int samples in new[] { 10_000, 20_000, 30_000, 40_000, 50_000, 60_000 })
            {
                using DataSet<float> part = all.Subset(Enumerable.Range(0, samples).ToArray());
                double seconds = EpochSeconds(part, 256, 128, batch: 128);
                bySamples.Add((samples, seconds));
                Console.WriteLine(Invariant($"| {samples:N0} | {seconds:F3} | {seconds / samples * 1e6:F2} |"));
            }
            Fit("epoch time against samples", bySamples, "s", "sample");

            Console.WriteLine();
            Console.WriteLine("| hidden w (784-w-w/2-10) | parameters | s / epoch (20k samples) | GFLOP/s of GEMM work |");
            Console.WriteLine("|---:|---:|---:|---:|");
            var byWidth = new List<(double, double)>();
            using (DataSet<float> part = all.Subset(Enumerable.Range(0, 20_000).ToArray()))
            {
                foreach (int width in new[] { 64, 128, 256, 512, 1024, 2048 })
                {
                    double seconds = EpochSeconds(part, width, width / 2, batch: 128);
                    long parameters = 784L * width + width + (long)width * (width / 2) + width / 2 + (width / 2) * 10L + 10;
                    // Forward 2·n·Σ(in·out), backward twice that minus the first layer's dX.
                    double flops = 2.0 * part.Count * (3.0 * (784.0 * width + width * (width / 2.0) + width / 2.0 * 10) - 784.0 * width);
                    byWidth.Add((parameters, seconds));
                    Console.WriteLine(Invariant($"| {width:N0} | {parameters:N0} | {seconds:F3} | {flops / seconds / 1e9:F0} |"));
                }
            }
            Fit("epoch time against parameters", byWidth, "s", "parameter");

            Console.WriteLine();
            Console.WriteLine("| batch | native MB after an epoch (data excluded) | of which the activation workspace |");
            Console.WriteLine("|---:|---:|---:|");
            var byBatch = new List<(double, double)>();
            using (DataSet<float> part = all.Subset(Enumerable.Range(0, 20_000).ToArray()))
            {
                foreach (int batch in new[] { 32, 128, 512, 2048, 8192 })
                {
                    long before = NativeMemoryStatistics.LiveBytes;
                    (double megabytes, double workspace) = NativeAfterEpoch(part, batch, before);
                    byBatch.Add((batch, megabytes));
                    Console.WriteLine(Invariant($"| {batch:N0} | {megabytes:F1} | {workspace:F1} |"));
                }
            }
            Fit("native memory against batch size", byBatch, "MB", "sample of the batch");
        }
        return 0;
    }

    private static double EpochSeconds(DataSet<float> data, int first, int second, int batch)
    {
        using var network = new Network<float>(Nn.Models.Recipes.Classifier(784, 10, first, second).Architecture, new NetworkOptions { Seed = 1 });
        History history = Trainer.Fit(network, data, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 4, BatchSize = batch, Seed = 1 });
        return history.Epochs.Skip(1).Select(e => e.Elapsed.TotalSeconds).Order().ElementAt(1);
    }

    // Native bytes held at the end of an epoch beyond the data: parameters, gradients, Adam's moments, the trainer's batch
    // buffers and the network's per-layer activations, pre-activations and deltas for the batch.
    private static (double Megabytes, double Workspace) NativeAfterEpoch(DataSet<float> data, int batch, long before)
    {
        using var network = new Network<float>(Nn.Models.Recipes.Classifier(784, 10, 256, 128).Architecture, new NetworkOptions { Seed = 1 });
        long peak = 0;
        var probe = new Probe(() => peak = Math.Max(peak, NativeMemoryStatistics.LiveBytes - before));
        Trainer.Fit(network, data, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 1, BatchSize = batch, Seed = 1, Callbacks = [probe] });
        double workspace = batch * 4.0 * (3 * (256 + 128 + 10) + 1) / 1e6;
        return (peak / 1e6, workspace);
    }

    private static void Fit(string what, List<(double X, double Y)> points, string unit, string per)
    {
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx)), sxy = points.Sum(p => (p.X - mx) * (p.Y - my));
        double slope = sxy / sxx, intercept = my - slope * mx;
        double ssTotal = points.Sum(p => (p.Y - my) * (p.Y - my)), ssResidual = points.Sum(p => Math.Pow(p.Y - (intercept + slope * p.X), 2));
        Console.WriteLine();
        Console.WriteLine(Invariant($"Fit, {what}: {intercept:G3} {unit} + {slope:G3} {unit} per {per} (R² = {1 - ssResidual / ssTotal:F4})."));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class Probe(Action onBatch) : TrainingCallback
    {
        public override void OnBatchEnd(BatchRecord batch) => onBatch();
    }
}
