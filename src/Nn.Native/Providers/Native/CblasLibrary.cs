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

    protected IntPtr Handle { get; }

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
        _dgemm(RowMajor, (int)transA, (int)transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
