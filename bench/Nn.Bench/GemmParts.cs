using System.Diagnostics;
using Nn.Native;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;

namespace Nn.Bench;

/// <summary>
/// gemm-parts: the managed kernel on one thread for the training shapes and their halves, then the halves on two threads at
/// once, split by columns and by rows. The evidence behind ManagedBlas's split: on this machine two column halves ran
/// 1.5× slower together than alone, row halves 1.3×.
/// </summary>
internal static unsafe class GemmParts
{
    public static int Run(string[] args)
    {
        using var a = new AlignedBuffer<float>(2048 * 2048);
        using var b = new AlignedBuffer<float>(2048 * 2048);
        using var c = new AlignedBuffer<float>(2048 * 2048);
        a.Span.Fill(0.5f); b.Span.Fill(0.25f);
        (string, Transpose, Transpose, int, int, int)[] shapes = [("fwd NT full", Transpose.None, Transpose.Transposed, 128, 256, 784), ("fwd NT half N", Transpose.None, Transpose.Transposed, 128, 128, 784),
            ("fwd NN full", Transpose.None, Transpose.None, 128, 256, 784), ("fwd NN half N", Transpose.None, Transpose.None, 128, 128, 784),
            ("dW TN full", Transpose.Transposed, Transpose.None, 256, 784, 128), ("dW TN half N", Transpose.Transposed, Transpose.None, 256, 392, 128)];
        foreach (var (name, ta, tb, m, n, k) in shapes)
        {
            int lda = ta == Transpose.None ? k : m, ldb = tb == Transpose.None ? n : k;
            void Call() => ManagedGemmKernel<float>.Multiply(ta, tb, m, n, k, 1f, a.Pointer, lda, b.Pointer, ldb, 0f, c.Pointer, n);
            for (int i = 0; i < 200; i++) Call();
            var times = new double[400];
            for (int i = 0; i < times.Length; i++) { long s = Stopwatch.GetTimestamp(); Call(); times[i] = Stopwatch.GetElapsedTime(s).TotalSeconds; }
            Array.Sort(times);
            Console.WriteLine($"{name,-16} {times[200] * 1e6,8:F1} µs  {2.0 * m * n * k / times[200] / 1e9,6:F1} GFLOP/s (1 thread, kernel only)");
        }
        // Two threads, each its own half, started together and repeated: is running concurrently itself slow?
        foreach (var (name, ta, tb, m, n, k) in shapes.Where(s => s.Item1.Contains("half")))
        {
            int lda = ta == Transpose.None ? k : m, ldb = tb == Transpose.None ? n : k;
            Concurrently($"{name} concurrently", t => ManagedGemmKernel<float>.Multiply(ta, tb, m, n, k, 1f, a.Pointer, lda,
                tb == Transpose.None ? b.Pointer + t * n : b.Pointer + t * n * (long)ldb, ldb, 0f, c.Pointer + t * n, 2 * n));
        }
        foreach (var (name, ta, tb, m, n, k) in shapes.Where(s => s.Item1.Contains("full")))
        {
            int lda = ta == Transpose.None ? k : m, ldb = tb == Transpose.None ? n : k, half = m / 2;
            Concurrently($"{name} row halves concurrently", t => ManagedGemmKernel<float>.Multiply(ta, tb, half, n, k, 1f,
                ta == Transpose.None ? a.Pointer + t * half * (long)lda : a.Pointer + t * half, lda, b.Pointer, ldb, 0f, c.Pointer + t * half * (long)n, n));
        }
        return 0;
    }

    // Runs part(0) and part(1) on two threads released together by a barrier, 600 times; prints each thread's median of the last 400.
    private static void Concurrently(string name, Action<int> part)
    {
        var times = new double[2][];
        using var barrier = new Barrier(2);
        Thread[] threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            var mine = new double[400];
            for (int i = 0; i < 600; i++)
            {
                barrier.SignalAndWait();
                long start = Stopwatch.GetTimestamp();
                part(t);
                if (i >= 200) mine[i - 200] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(mine);
            times[t] = mine;
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();
        Console.WriteLine($"{name,-32}: thread 0 {times[0][200] * 1e6,8:F1} µs, thread 1 {times[1][200] * 1e6,8:F1} µs");
    }
}
