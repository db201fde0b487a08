using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Memory;

namespace Nn.Bench.Limits;

/// <summary>
/// This machine's limits, measured in the run that uses them: FP32 FMA throughput (12 independent 512-bit chains a thread,
/// or 256-bit without AVX-512) and read bandwidth (summing a 256 MB buffer that no cache holds), on 1 and 2 dedicated threads.
/// GEMM figures are stated as fractions of these, because this machine is shared and its speed changes from day to day.
/// </summary>
internal static class MachineLimits
{
    private const long FmaIterations = 20_000_000;
    private const int Chains = 12;

    /// <summary>Best of 5 runs: GFLOP/s of FP32 FMAs on <paramref name="threads"/> threads.</summary>
    public static double FmaGflops(int threads) => Best(5, () => RunOn(threads, _ => FmaLoop()), seconds =>
        threads * (double)FmaIterations * Chains * FlopsPerFma / seconds / 1e9);

    /// <summary>Best of 5 runs: GB/s of reading a 256 MB buffer split across <paramref name="threads"/> threads.</summary>
    public static double ReadGigabytes(int threads)
    {
        const int floats = 64 << 20;   // 256 MB
        using var buffer = new AlignedBuffer<float>(floats);
        buffer.Span.Fill(1f);
        return Best(5, () => RunOn(threads, t =>
        {
            int share = floats / threads;
            Sink(Sum(buffer.Span.Slice(t * share, share)));
        }), seconds => floats * 4.0 / seconds / 1e9);
    }

    private static int FlopsPerFma => 2 * (Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : 8);

    private static double Best(int runs, Func<double> run, Func<double, double> rate)
    {
        double best = 0;
        for (int r = 0; r < runs; r++) best = Math.Max(best, rate(run()));
        return best;
    }

    // Runs work(0) on the calling thread and work(1..) on new threads, all released together; returns the wall time of the
    // slowest. The caller works instead of waiting, so no spinning waiter competes with the workers for a core.
    private static double RunOn(int threads, Action<int> work)
    {
        using var go = new ManualResetEventSlim();
        using var ready = new CountdownEvent(threads - 1);
        var others = new Thread[threads - 1];
        for (int t = 1; t < threads; t++)
        {
            int index = t;
            others[t - 1] = new Thread(() =>
            {
                ready.Signal();
                go.Wait();
                work(index);
            }) { IsBackground = true };
            others[t - 1].Start();
        }
        ready.Wait();
        long start = Stopwatch.GetTimestamp();
        go.Set();
        work(0);
        foreach (Thread other in others) other.Join();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void FmaLoop()
    {
        if (Avx512F.IsSupported)
        {
            // Distinct starting values so that no chain is a copy the JIT could fold; 12 chains hide the FMA latency on 2 ports.
            Vector512<float> m = Vector512.Create(0.999999f), a = Vector512.Create(1e-7f);
            Vector512<float> c0 = Vector512.Create(1f), c1 = Vector512.Create(2f), c2 = Vector512.Create(3f), c3 = Vector512.Create(4f);
            Vector512<float> c4 = Vector512.Create(5f), c5 = Vector512.Create(6f), c6 = Vector512.Create(7f), c7 = Vector512.Create(8f);
            Vector512<float> c8 = Vector512.Create(9f), c9 = Vector512.Create(10f), c10 = Vector512.Create(11f), c11 = Vector512.Create(12f);
            for (long i = 0; i < FmaIterations; i++)
            {
                c0 = Avx512F.FusedMultiplyAdd(c0, m, a); c1 = Avx512F.FusedMultiplyAdd(c1, m, a); c2 = Avx512F.FusedMultiplyAdd(c2, m, a);
                c3 = Avx512F.FusedMultiplyAdd(c3, m, a); c4 = Avx512F.FusedMultiplyAdd(c4, m, a); c5 = Avx512F.FusedMultiplyAdd(c5, m, a);
                c6 = Avx512F.FusedMultiplyAdd(c6, m, a); c7 = Avx512F.FusedMultiplyAdd(c7, m, a); c8 = Avx512F.FusedMultiplyAdd(c8, m, a);
                c9 = Avx512F.FusedMultiplyAdd(c9, m, a); c10 = Avx512F.FusedMultiplyAdd(c10, m, a); c11 = Avx512F.FusedMultiplyAdd(c11, m, a);
            }
            Sink(((c0 + c1) + (c2 + c3) + (c4 + c5) + (c6 + c7) + (c8 + c9) + (c10 + c11)).ToScalar());
        }
        else
        {
            Vector256<float> m = Vector256.Create(0.999999f), a = Vector256.Create(1e-7f);
            Vector256<float> c0 = Vector256.Create(1f), c1 = Vector256.Create(2f), c2 = Vector256.Create(3f), c3 = Vector256.Create(4f);
            Vector256<float> c4 = Vector256.Create(5f), c5 = Vector256.Create(6f), c6 = Vector256.Create(7f), c7 = Vector256.Create(8f);
            Vector256<float> c8 = Vector256.Create(9f), c9 = Vector256.Create(10f), c10 = Vector256.Create(11f), c11 = Vector256.Create(12f);
            for (long i = 0; i < FmaIterations; i++)
            {
                c0 = Fma.MultiplyAdd(c0, m, a); c1 = Fma.MultiplyAdd(c1, m, a); c2 = Fma.MultiplyAdd(c2, m, a);
                c3 = Fma.MultiplyAdd(c3, m, a); c4 = Fma.MultiplyAdd(c4, m, a); c5 = Fma.MultiplyAdd(c5, m, a);
                c6 = Fma.MultiplyAdd(c6, m, a); c7 = Fma.MultiplyAdd(c7, m, a); c8 = Fma.MultiplyAdd(c8, m, a);
                c9 = Fma.MultiplyAdd(c9, m, a); c10 = Fma.MultiplyAdd(c10, m, a); c11 = Fma.MultiplyAdd(c11, m, a);
            }
            Sink(((c0 + c1) + (c2 + c3) + (c4 + c5) + (c6 + c7) + (c8 + c9) + (c10 + c11)).ToScalar());
        }
    }

    private static float Sum(ReadOnlySpan<float> values) => System.Numerics.Tensors.TensorPrimitives.Sum(values);

    private static volatile float s_sink;

    private static void Sink(float value) => s_sink = value;
}
