using System.Runtime.CompilerServices;

namespace Nn.Native;

/// <summary>
/// One GEMM implementation: C = alpha·op(A)·op(B) + beta·C on row-major matrices, with cblas
/// semantics (transpose flags, leading dimensions), for float and double.
/// </summary>
/// <remarks>
/// Thread safety: <see cref="Gemm{T}"/> may be called from several threads at once.
/// <see cref="Threads"/> is process-wide state of the underlying library; set it before starting
/// concurrent work, not during it.
/// </remarks>
public abstract unsafe class BlasProvider
{
    /// <summary>Which implementation this is.</summary>
    public abstract BlasProviderKind Kind { get; }

    /// <summary>Short name: "mkl", "openblas" or "managed".</summary>
    public string Name => Kind switch
    {
        BlasProviderKind.Mkl => "mkl",
        BlasProviderKind.OpenBlas => "openblas",
        BlasProviderKind.Managed => "managed",
        _ => "custom",
    };

    /// <summary>The library's own version or configuration string.</summary>
    public abstract string Version { get; }

    /// <summary>The file the provider was loaded from, or "(managed)".</summary>
    public abstract string LibraryPath { get; }

    /// <summary>Number of threads a single GEMM call may use (at least 1).</summary>
    public abstract int Threads { get; set; }

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C, row-major. op(A) is m×k, op(B) is k×n, C is m×n.
    /// A is stored as (transA ? k×m : m×k) with row stride <paramref name="lda"/>, likewise B and C.
    /// When beta is zero, C is overwritten and its previous contents (even NaN) are ignored; when alpha is zero, A and B
    /// are not read.
    /// </summary>
    /// <typeparam name="T">float or double.</typeparam>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is negative, a leading dimension is too small, or a span is too short for the shape it is said to have.</exception>
    /// <exception cref="ArgumentException">C overlaps A or B.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public void Gemm<T>(Transpose transA, Transpose transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0)
        {
            return;
        }
        if (c.Overlaps(a) || c.Overlaps(b))
        {
            throw new ArgumentException("C overlaps A or B; GEMM reads its inputs while it writes C, so C must be separate memory.", nameof(c));
        }
        if (k == 0 || EqualityComparer<T>.Default.Equals(alpha, default))
        {
            // BLAS semantics: with alpha = 0 (or k = 0) A and B are not read, so NaN in them cannot reach C.
            GemmArguments.ScaleC(m, n, beta, c, ldc);
            return;
        }
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (typeof(T) == typeof(float))
            {
                Sgemm(transA, transB, m, n, k, Unsafe.As<T, float>(ref alpha), (float*)pa, lda,
                    (float*)pb, ldb, Unsafe.As<T, float>(ref beta), (float*)pc, ldc);
            }
            else if (typeof(T) == typeof(double))
            {
                Dgemm(transA, transB, m, n, k, Unsafe.As<T, double>(ref alpha), (double*)pa, lda,
                    (double*)pb, ldb, Unsafe.As<T, double>(ref beta), (double*)pc, ldc);
            }
            else
            {
                throw new NotSupportedException($"GEMM supports float and double, not {typeof(T).Name}.");
            }
        }
    }

    /// <summary>Single-precision GEMM on validated arguments with m, n ≥ 1.</summary>
    protected internal abstract void Sgemm(Transpose transA, Transpose transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    /// <summary>Double-precision GEMM on validated arguments with m, n ≥ 1.</summary>
    protected internal abstract void Dgemm(Transpose transA, Transpose transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Version} ({Threads} thread{(Threads == 1 ? "" : "s")}, {LibraryPath})";
}
