using System.Diagnostics;
using Nn.Native;
using Nn.Native.Memory;

namespace Nn.Bench;

/// <summary>
/// A quick stopwatch sweep (median of repeated calls) of sgemm per available provider, thread count and shape:
/// the figures behind the default provider order, in seconds rather than BenchmarkDotNet's minutes.
/// </summary>
internal static class GemmSweep
{
    // One provider per process: MKL's OpenMP and OpenBLAS's pthreads keep spinning after a call, which on two
    // cores would steal the second core from whichever provider is measured next.
    public static int Run(string[] args)
    {
        // --shapes TEXT keeps the shapes whose name contains TEXT; --threads N runs one thread count.
        string? only = Option(ref args, "--shapes");
        int[] threadCounts = Option(ref args, "--threads") is { } t ? [int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)] : [1, 2];
        BlasProviderKind[] kinds = args.Length > 1
            ? args.Skip(1).Select(name => Blas.ParseKind(name) ?? throw new ArgumentException($"Unknown provider '{name}'.")).ToArray()
            : [BlasProviderKind.OpenBlas, BlasProviderKind.Mkl, BlasProviderKind.Managed];
        (string Name, Transpose A, Transpose B, int M, int N, int K)[] shapes =
        [
            ("fwd1 NT", Transpose.None, Transpose.Transposed, 128, 256, 784),
            ("dW1 TN", Transpose.Transposed, Transpose.None, 256, 784, 128),
            ("fwd1 NN", Transpose.None, Transpose.None, 128, 256, 784),
            ("fwd1 TN", Transpose.Transposed, Transpose.None, 128, 256, 784),
            // The second layer's three products (128 → 256 → 128 at batch 128): forward, input gradient, weight gradient.
            ("fwd2 NT", Transpose.None, Transpose.Transposed, 128, 128, 256),
            ("dX2 NN", Transpose.None, Transpose.None, 128, 256, 128),
            ("dW2 TN", Transpose.Transposed, Transpose.None, 128, 256, 128),
            ("fwd 1024 NT", Transpose.None, Transpose.Transposed, 1024, 256, 784),
            ("tiny NT", Transpose.None, Transpose.Transposed, 128, 10, 128),
            ("out dX NN", Transpose.None, Transpose.None, 128, 128, 10),
            ("out dW TN", Transpose.Transposed, Transpose.None, 10, 128, 128),
            ("peak NN", Transpose.None, Transpose.None, 2048, 2048, 2048),
            // Full-batch linear models on Fashion-MNIST: scores X·Wᵀ and the gradient δᵀ·X. X alone is 188 MB.
            ("thin X·Wᵀ", Transpose.None, Transpose.Transposed, 60_000, 10, 784),
            ("thin δᵀ·X", Transpose.Transposed, Transpose.None, 10, 784, 60_000),
            // The same products over 256 rows, which stay in L2: the kernels' arithmetic rate without memory.
            ("thin L2 X·Wᵀ", Transpose.None, Transpose.Transposed, 256, 10, 784),
            ("thin L2 δᵀ·X", Transpose.Transposed, Transpose.None, 10, 784, 256),
        ];
        using var a = Filled(60_000 * 784);
        using var b = Filled(60_000 * 784);
        using var c = new AlignedBuffer<float>(60_000 * 784);
        // The limits of this machine, measured now: every figure below is also a fraction of them.
        double[] peak = [0, Limits.MachineLimits.FmaGflops(1), Limits.MachineLimits.FmaGflops(2)];
        double[] read = [0, Limits.MachineLimits.ReadGigabytes(1), Limits.MachineLimits.ReadGigabytes(2)];
        Console.WriteLine($"limits: FMA peak {peak[1]:F0} GFLOP/s on 1 thread, {peak[2]:F0} on 2; read {read[1]:F1} GB/s on 1 thread, {read[2]:F1} on 2");
        if (kinds.Length > 1) Console.WriteLine("(several providers in one process: prefer one per run, e.g. gemm-sweep managed)");
        Console.WriteLine($"{"provider",-9} {"threads",7} {"shape",-12} {"m×n×k",-17} {"median",10} {"GFLOP/s",8} {"of peak",8} {"read once",10}");
        foreach (BlasProviderKind kind in kinds)
        {
            BlasProvider? provider = Blas.TryLoad(kind, out _);
            if (provider is null) continue;
            foreach (int threads in threadCounts)
            {
                provider.Threads = threads;
                foreach (var s in shapes)
                {
                    if (only is not null && !s.Name.Contains(only, StringComparison.Ordinal)) continue;
                    int lda = s.A == Transpose.None ? s.K : s.M, ldb = s.B == Transpose.None ? s.N : s.K;
                    void Call() => provider.Gemm(s.A, s.B, s.M, s.N, s.K, 1f, a.Span, lda, b.Span, ldb, 0f, c.Span, s.N);
                    double flops = 2.0 * s.M * s.N * s.K;
                    int repeats = (int)Math.Clamp(2e10 / flops, 3, 2000);
                    // Warm up for at least 0.3 s as well: the runtime promotes the C# wrappers to optimised code only
                    // after about 100 ms, and a small shape's whole measurement used to end before that.
                    long warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 3 / 10;
                    for (int i = 0; i < Math.Max(2, repeats / 10) || Stopwatch.GetTimestamp() < warmUntil; i++) Call();
                    var times = new double[repeats];
                    for (int i = 0; i < repeats; i++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        Call();
                        times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    }
                    Array.Sort(times);
                    double median = times[repeats / 2];
                    // The time to read the operands once at this thread count's bandwidth: the floor for thin shapes.
                    double readOnce = 4.0 * ((double)s.M * s.K + (double)s.K * s.N) / (read[threads] * 1e9);
                    Console.WriteLine($"{provider.Name,-9} {threads,7} {s.Name,-12} {$"{s.M}×{s.N}×{s.K}",-17} {median * 1e6,8:F1}µs {flops / median / 1e9,8:F1} {flops / median / 1e9 / peak[threads],8:P0} {median / readOnce,9:F2}×");
                }
            }
        }
        return 0;
    }

    // Removes "--name value" from args and returns the value (null when absent).
    private static string? Option(ref string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        if (at < 0) return null;
        if (at + 1 >= args.Length) throw new ArgumentException($"{name} needs a value.");
        string value = args[at + 1];
        args = [.. args[..at], .. args[(at + 2)..]];
        return value;
    }

    private static AlignedBuffer<float> Filled(int length)
    {
        var buffer = new AlignedBuffer<float>(length);
        var random = new Random(1);
        foreach (ref float value in buffer.Span) value = (float)(random.NextDouble() - 0.5);
        return buffer;
    }
}
