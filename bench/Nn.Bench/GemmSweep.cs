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
        BlasProviderKind[] kinds = args.Length > 1
            ? args.Skip(1).Select(name => Blas.ParseKind(name) ?? throw new ArgumentException($"Unknown provider '{name}'.")).ToArray()
            : [BlasProviderKind.OpenBlas, BlasProviderKind.Mkl, BlasProviderKind.Managed];
        (string Name, Transpose A, Transpose B, int M, int N, int K)[] shapes =
        [
            ("fwd1 NT", Transpose.None, Transpose.Transposed, 128, 256, 784),
            ("dW1 TN", Transpose.Transposed, Transpose.None, 256, 784, 128),
            ("fwd1 NN", Transpose.None, Transpose.None, 128, 256, 784),
            ("fwd1 TN", Transpose.Transposed, Transpose.None, 128, 256, 784),
            ("fwd 1024 NT", Transpose.None, Transpose.Transposed, 1024, 256, 784),
            ("tiny NT", Transpose.None, Transpose.Transposed, 128, 10, 128),
            ("peak NN", Transpose.None, Transpose.None, 2048, 2048, 2048),
        ];
        using var a = Filled(2048 * 2048);
        using var b = Filled(2048 * 2048);
        using var c = new AlignedBuffer<float>(2048 * 2048);
        if (kinds.Length > 1) Console.WriteLine("(several providers in one process: prefer one per run, e.g. gemm-sweep managed)");
        Console.WriteLine($"{"provider",-9} {"threads",7} {"shape",-12} {"m×n×k",-15} {"median",10} {"GFLOP/s",8}");
        foreach (BlasProviderKind kind in kinds)
        {
            BlasProvider? provider = Blas.TryLoad(kind, out _);
            if (provider is null) continue;
            foreach (int threads in new[] { 1, 2 })
            {
                provider.Threads = threads;
                foreach (var s in shapes)
                {
                    int lda = s.A == Transpose.None ? s.K : s.M, ldb = s.B == Transpose.None ? s.N : s.K;
                    void Call() => provider.Gemm(s.A, s.B, s.M, s.N, s.K, 1f, a.Span, lda, b.Span, ldb, 0f, c.Span, s.N);
                    double flops = 2.0 * s.M * s.N * s.K;
                    int repeats = (int)Math.Clamp(2e10 / flops, 3, 2000);
                    for (int i = 0; i < Math.Max(2, repeats / 10); i++) Call();
                    var times = new double[repeats];
                    for (int i = 0; i < repeats; i++)
                    {
                        long start = Stopwatch.GetTimestamp();
                        Call();
                        times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    }
                    Array.Sort(times);
                    double median = times[repeats / 2];
                    Console.WriteLine($"{provider.Name,-9} {threads,7} {s.Name,-12} {$"{s.M}×{s.N}×{s.K}",-15} {median * 1e6,8:F1}µs {flops / median / 1e9,8:F1}");
                }
            }
        }
        return 0;
    }

    private static AlignedBuffer<float> Filled(int length)
    {
        var buffer = new AlignedBuffer<float>(length);
        var random = new Random(1);
        foreach (ref float value in buffer.Span) value = (float)(random.NextDouble() - 0.5);
        return buffer;
    }
}
