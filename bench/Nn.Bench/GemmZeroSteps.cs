using System.Diagnostics;
using Nn.Native;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;

namespace Nn.Bench;

/// <summary>
/// gemm-zero-steps: the managed kernel on one thread for the first layer's products on real Fashion-MNIST batches, with
/// and without skipping the depth steps whose packed rows are all zeros, alternated in one process so that both see the
/// same machine. The same products on the pixels plus one (no zero anywhere) show what looking for zeros costs when
/// there are none. Every pair of results is compared bit for bit.
/// </summary>
internal static unsafe class GemmZeroSteps
{
    private const int Batch = 128, Pixels = 784, Hidden = 256, Batches = 50;

    public static int Run(string[] args)
    {
        (Nn.Data.DataSet<float> train, Nn.Data.DataSet<float> test) = FashionBench.LoadScaled();
        using (train)
        using (test)
        {
            var random = new Random(1);
            float[] images = new float[Batches * Batch * Pixels], targets = new float[Batch * 10];
            for (int b = 0; b < Batches; b++)
            {
                int[] rows = Enumerable.Range(0, Batch).Select(_ => random.Next(train.Count)).ToArray();
                train.GatherBatch(rows, images.AsSpan(b * Batch * Pixels, Batch * Pixels), targets, null);
            }
            Console.WriteLine($"# gemm-zero-steps {DateTime.UtcNow:yyyy-MM-dd}: managed kernel, 1 thread, {Batches} Fashion-MNIST batches of {Batch}; medians");
            Console.WriteLine();
            Console.WriteLine("| product | pixels | every step (µs) | zero steps skipped (µs) | ratio | bit-identical |");
            Console.WriteLine("|---|---|---:|---:|---:|---|");
            Measure(images, "as loaded (min-max scaled, 50 % zeros)", random);
            for (int i = 0; i < images.Length; i++) images[i] += 1f;
            Measure(images, "plus one (no zeros)", random);
        }
        ManagedGemmKernel<float>.SkipZeroSteps = true;
        return 0;
    }

    private static void Measure(float[] images, string pixels, Random random)
    {
        using var x = new AlignedBuffer<float>(Batch * Pixels);
        using var weights = new AlignedBuffer<float>(Hidden * Pixels);
        using var delta = new AlignedBuffer<float>(Batch * Hidden);
        using var c = new AlignedBuffer<float>(Hidden * Pixels);
        using var reference = new AlignedBuffer<float>(Hidden * Pixels);
        for (int i = 0; i < weights.Length; i++) weights.Span[i] = (float)random.NextDouble() - 0.5f;
        for (int i = 0; i < delta.Length; i++) delta.Span[i] = (float)random.NextDouble() - 0.5f;
        (string Name, Action Call)[] products =
        [
            ("X·W₁ᵀ, one core's half (128×128×784)", () => ManagedGemmKernel<float>.Multiply(Transpose.None, Transpose.Transposed, Batch, Hidden / 2, Pixels, 1f, x.Pointer, Pixels, weights.Pointer, Pixels, 0f, c.Pointer, Hidden / 2)),
            ("X·W₁ᵀ (128×256×784)", () => ManagedGemmKernel<float>.Multiply(Transpose.None, Transpose.Transposed, Batch, Hidden, Pixels, 1f, x.Pointer, Pixels, weights.Pointer, Pixels, 0f, c.Pointer, Hidden)),
            ("δ₁ᵀ·X/m, one core's half (128×784×128)", () => ManagedGemmKernel<float>.Multiply(Transpose.Transposed, Transpose.None, Hidden / 2, Pixels, Batch, 1f / Batch, delta.Pointer, Hidden, x.Pointer, Pixels, 0f, c.Pointer, Pixels)),
        ];
        foreach ((string name, Action call) in products)
        {
            var times = new[] { new List<double>(), new List<double>() };
            bool identical = true;
            for (int repetition = 0; repetition < 20; repetition++)
            {
                for (int b = 0; b < Batches; b++)
                {
                    images.AsSpan(b * Batch * Pixels, Batch * Pixels).CopyTo(x.Span);
                    for (int skip = 0; skip < 2; skip++)
                    {
                        ManagedGemmKernel<float>.SkipZeroSteps = skip == 1;
                        long start = Stopwatch.GetTimestamp();
                        call();
                        times[skip].Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                        if (skip == 0) c.Span.CopyTo(reference.Span);
                        else identical &= c.Span.SequenceEqual(reference.Span);
                    }
                }
            }
            double dense = Median(times[0]), skipped = Median(times[1]);
            Console.WriteLine($"| {name} | {pixels} | {dense:F1} | {skipped:F1} | {skipped / dense:F3} | {(identical ? "yes" : "NO")} |");
        }
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
