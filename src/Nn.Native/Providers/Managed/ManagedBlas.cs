using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The always-available provider: <see cref="ManagedGemmKernel{T}"/> split across a
/// <see cref="WorkerPool"/> by rows (or columns, when C has too few rows to split; or by depth, for a weight gradient
/// over a whole data set).
/// </summary>
internal sealed unsafe class ManagedBlas : BlasProvider
{
    // Below this many multiply-adds, waking workers costs more than it saves.
    internal const long ParallelThreshold = 64L * 64 * 64;

    private WorkerPool _pool;

    /// <summary>The pool in use now; replaced (and the old one stopped) when <see cref="Threads"/> changes.</summary>
    internal WorkerPool Pool => _pool;

    public ManagedBlas(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _pool = new WorkerPool(threads - 1);
    }

    public override BlasProviderKind Kind => BlasProviderKind.Managed;

    public override string Version =>
        Describe(ManagedGemmKernel<float>.UsesWideVectors, System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated);

    public override string LibraryPath => "(managed)";

    internal static string Describe(bool wideVectors, bool vector256Accelerated) => wideVectors
        ? "Nn managed GEMM (Vector512 FMA micro-kernel)"
        : $"Nn managed GEMM (Vector256 FMA micro-kernel, {(vector256Accelerated ? "hardware" : "software")} vectors)";

    public override int Threads
    {
        get => _pool.Parallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            if (value == _pool.Parallelism)
            {
                return;
            }
            WorkerPool old = Interlocked.Exchange(ref _pool, new WorkerPool(value - 1));
            old.Dispose();
        }
    }

    protected internal override void Sgemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    protected internal override void Dgemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc) =>
        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run<T>(Transpose transA, Transpose transB, int m, int n, int k,
        T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        WorkerPool pool = _pool;
        switch (Choose(transA, m, n, k, pool.Parallelism))
        {
            case Route.RowTimesMatrix:
                ManagedGemv<T>.RowTimesMatrix(transB, n, k, alpha, a, b, ldb, beta, c);
                return;
            case Route.Parallel:
                var job = new Job<T>
                {
                    TransA = transA, TransB = transB, M = m, N = n, K = k, Alpha = alpha, A = a, Lda = lda,
                    B = b, Ldb = ldb, Beta = beta, C = c, Ldc = ldc, Parts = pool.Parallelism,
                };
                bool depth = SplitsDepth(transA, transB, m, k);
                if (depth)
                {
                    // Parts after the first write their share of the sum here; the caller adds them to C below.
                    job.Partials = ScratchBuffer.Ensure(ref Partials<T>.Buffer, (long)(job.Parts - 1) * m * n);
                }
                if (pool.TryRun(&RunPart<T>, (IntPtr)Unsafe.AsPointer(ref job)))
                {
                    if (depth) AddPartials(job.Partials, job.Parts - 1, m, n, c, ldc);
                    return;
                }
                break; // another caller holds the pool: this one runs serially
        }
        ManagedGemmKernel<T>.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>How a product runs: a single row of A as a vector-matrix product, split across the pool, or serially.</summary>
    internal enum Route { RowTimesMatrix, Parallel, Serial }

    internal static Route Choose(Transpose transA, int m, int n, int k, int parallelism) =>
        m == 1 && k > 0 && transA == Transpose.None ? Route.RowTimesMatrix
        : parallelism > 1 && (long)m * n * k >= ParallelThreshold ? Route.Parallel
        : Route.Serial;

    // Up to this many rows a part, a C with more columns than rows is split by columns. Measured in whole epochs of
    // 784-256-128-10 at batch 128 on two threads: splitting the batch-row products (X·Wᵀ 128×256×784 and the like) by
    // columns took 0.43 s an epoch against 0.47-0.48 s by rows, though the halves run equally fast on warm caches
    // (gemm-parts, 245 and 250 µs); splitting the weight gradient δᵀ·X (256×784×128) by columns too was slower again
    // (0.44-0.48 s).
    private const int MaxRowsPerColumnSplit = 64;

    /// <summary>
    /// The block of C that part <paramref name="part"/> of <paramref name="parts"/> computes: rows, or columns when C
    /// has too few rows to split, in whole granules (the micro-kernel's height in rows; two vectors of columns, its
    /// width) so that only the last block has a ragged edge. The blocks tile C exactly; some may be empty.
    /// </summary>
    internal static (bool SplitColumns, int First, int Count) Part(int m, int n, int parts, int part, int columnGranule, int rowGranule)
    {
        bool splitColumns = m <= MaxRowsPerColumnSplit * parts && n > m;
        int extent = splitColumns ? n : m;
        (int first, int count) = Granules.Block(extent, parts, part, splitColumns ? columnGranule : rowGranule);
        return (splitColumns, first, count);
    }

    /// <summary>Samples (rows of X) from which a weight gradient δᵀ·X with at most this many rows of C is split by depth.</summary>
    internal const int DepthSplitLength = 4096;

    /// <summary>
    /// Whether a parallel product splits K instead of C: the weight gradient δᵀ·X of a linear model or output layer over
    /// a whole data set (C at most 12 rows, K the samples). Column halves of C made each thread read half of every row
    /// of X; depth halves let each stream its own contiguous rows, and the partial C's are added afterwards.
    /// </summary>
    internal static bool SplitsDepth(Transpose transA, Transpose transB, int m, int k) =>
        transA == Transpose.Transposed && transB == Transpose.None && m <= 12 && k >= DepthSplitLength;

    /// <summary>The rows of B (samples) that part <paramref name="part"/> of <paramref name="parts"/> sums over, in whole granules of 64.</summary>
    internal static (int First, int Count) DepthPart(int k, int parts, int part) => Granules.Block(k, parts, part, 64);

    // C += Σ partials, each m×n with leading dimension n, in part order (the sum's order is fixed for a thread count).
    private static void AddPartials<T>(T* partials, int count, int m, int n, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int p = 0; p < count; p++)
        {
            for (int i = 0; i < m; i++)
            {
                T* row = c + i * (long)ldc, partial = partials + ((long)p * m + i) * n;
                for (int j = 0; j < n; j++) row[j] += partial[j];   // at most 12 rows: microseconds beside the product
            }
        }
    }

    // Part `part` of `Parts` computes its own block of C as an independent GEMM (or, split by depth, its share of C).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunPart<T>(int part, IntPtr context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref Job<T> job = ref Unsafe.AsRef<Job<T>>((void*)context);
        if (job.Partials != null)
        {
            (int from, int rows) = DepthPart(job.K, job.Parts, part);
            // The first part applies β to C and adds its share there; the others start from zero in their own slab.
            T* target = part == 0 ? job.C : job.Partials + (long)(part - 1) * job.M * job.N;
            ManagedGemmKernel<T>.Multiply(job.TransA, job.TransB, job.M, job.N, rows, job.Alpha,
                job.A + from * (long)job.Lda, job.Lda, job.B + from * (long)job.Ldb, job.Ldb,
                part == 0 ? job.Beta : T.Zero, target, part == 0 ? job.Ldc : job.N);
            return;
        }
        (bool splitColumns, int first, int count) = Part(job.M, job.N, job.Parts, part, ManagedGemmKernel<T>.ColumnGranule, ManagedGemmKernel<T>.RowGranule);
        if (count == 0)
        {
            return;
        }
        if (splitColumns)
        {
            T* b = job.TransB == Transpose.None ? job.B + first : job.B + first * (long)job.Ldb;
            ManagedGemmKernel<T>.Multiply(job.TransA, job.TransB, job.M, count, job.K, job.Alpha,
                job.A, job.Lda, b, job.Ldb, job.Beta, job.C + first, job.Ldc);
        }
        else
        {
            T* a = job.TransA == Transpose.None ? job.A + first * (long)job.Lda : job.A + first;
            ManagedGemmKernel<T>.Multiply(job.TransA, job.TransB, count, job.N, job.K, job.Alpha,
                a, job.Lda, job.B, job.Ldb, job.Beta, job.C + first * (long)job.Ldc, job.Ldc);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Job<T> where T : unmanaged
    {
        public Transpose TransA, TransB;
        public int M, N, K, Lda, Ldb, Ldc, Parts;
        public T Alpha, Beta;
        public T* A, B, C;
        public T* Partials;   // set when the product is split by depth
    }

    // The caller's slab for the partial sums of a depth split, kept between calls.
    private static class Partials<T> where T : unmanaged
    {
        [ThreadStatic] public static Memory.AlignedBuffer<T>? Buffer;
    }
}
