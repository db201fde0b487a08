using Nn.Native.Interop;

namespace Nn.Native.Providers.Native;

/// <summary>
/// A native library with the cblas interface, called through unmanaged function pointers
/// resolved once at load. MKL and OpenBLAS add thread control and version strings on top.
/// </summary>
/// <remarks>Thread safety: GEMM calls are safe from several threads; the library stays loaded for the life of the process.</remarks>
internal unsafe class CblasLibrary : BlasProvider
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged<int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemv;
    private readonly delegate* unmanaged<int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemv;

    protected CblasLibrary(IntPtr handle, string path)
    {
        Handle = handle;
        LibraryPath = path;
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            LibraryProbe.Export(handle, path, "cblas_sgemm");
        _dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)
            LibraryProbe.Export(handle, path, "cblas_dgemm");
        // A single-row product is a matrix-vector product: GEMV reads W once instead of packing it first,
        // which at batch 1 (serving) is several times faster. Optional: without it GEMM handles m = 1.
        _sgemv = (delegate* unmanaged<int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            LibraryProbe.OptionalExport(handle, "cblas_sgemv");
        _dgemv = (delegate* unmanaged<int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)
            LibraryProbe.OptionalExport(handle, "cblas_dgemv");
    }

    /// <summary>Any other library that exports cblas_sgemm and cblas_dgemm, named by path in NN_BLAS.</summary>
    public static CblasLibrary LoadCustom(string path)
    {
        (IntPtr handle, string loaded) = LibraryProbe.Load([path], $"BLAS library '{path}'",
            "Set NN_BLAS to mkl, openblas, managed or the path of a library that exports cblas_sgemm.");
        return new CblasLibrary(handle, loaded);
    }

    // From this length, products over a whole data set with a thin side go to Nn's thin kernels instead: the scores X·Wᵀ
    // (n within one vector) and the gradient δᵀ·X (m ≤ 12). On 2 threads 60,000×10×784 took 34-36 ms in OpenBLAS and
    // 28 ms in MKL, and 10×784×60,000 24-27 and 29 ms (gemm-sweep, 2026-11-25); the thin kernels take 8.3-8.6 and
    // 7.0-8.1 ms (2026-11-29). At batch sizes the libraries' small-matrix paths are as fast or faster (128×10×128: 5.4 µs
    // in OpenBLAS, 6.5 µs managed), so shorter products stay in the library.
    private const int ThinLength = 4096;
    private readonly Lock _thinGate = new();
    private Providers.Managed.ManagedBlas? _thin;

    protected IntPtr Handle { get; }

    // The managed provider for long thin products, kept at this provider's thread count.
    private bool TryThin<T>(Transpose transA, Transpose transB, int m, int n, int k) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int vector = Providers.Managed.ManagedGemmKernel<T>.ColumnGranule / 2;
        bool scores = transA == Transpose.None && m >= ThinLength && k >= 16 && n <= vector;
        bool gradient = transA == Transpose.Transposed && transB == Transpose.None && k >= ThinLength && m <= 12 && n >= vector;
        if (!scores && !gradient) return false;
        lock (_thinGate)
        {
            _thin ??= new Providers.Managed.ManagedBlas(Threads);
            if (_thin.Threads != Threads) _thin.Threads = Threads;
        }
        return true;
    }

    public override BlasProviderKind Kind => BlasProviderKind.Custom;

    public override string LibraryPath { get; }

    public override string Version => "cblas (unknown version)";

    public override int Threads
    {
        get => 1;
        set => throw new NotSupportedException($"{LibraryPath} offers no known thread-count API; set its own environment variable instead.");
    }

    protected internal override void Sgemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        if (m == 1 && k > 0 && _sgemv != null)
        {
            // c(1×n) = alpha·a·op(B) + beta·c as y = op(B)ᵀ·x; a's elements are lda apart when A is transposed.
            if (beta == 0) new Span<float>(c, n).Clear(); // GEMM semantics: with beta = 0, c is never read
            (int trans, int rows, int cols) = transB == Transpose.Transposed ? (NoTrans, n, k) : (Trans, k, n);
            _sgemv(RowMajor, trans, rows, cols, alpha, b, ldb, a, transA == Transpose.None ? 1 : lda, beta, c, 1);
            return;
        }
        if (TryThin<float>(transA, transB, m, n, k))
        {
            _thin!.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        _sgemm(RowMajor, (int)transA, (int)transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    protected internal override void Dgemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
    {
        if (m == 1 && k > 0 && _dgemv != null)
        {
            if (beta == 0) new Span<double>(c, n).Clear();
            (int trans, int rows, int cols) = transB == Transpose.Transposed ? (NoTrans, n, k) : (Trans, k, n);
            _dgemv(RowMajor, trans, rows, cols, alpha, b, ldb, a, transA == Transpose.None ? 1 : lda, beta, c, 1);
            return;
        }
        if (TryThin<double>(transA, transB, m, n, k))
        {
            _thin!.Dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        _dgemm(RowMajor, (int)transA, (int)transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
