namespace Nn.Native;

/// <summary>Checks GEMM shapes against the spans that hold them, so no provider reads out of bounds.</summary>
internal static class GemmArguments
{
    public static void Validate(Transpose transA, Transpose transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (!Enum.IsDefined(transA)) throw new ArgumentOutOfRangeException(nameof(transA), transA, "Not a Transpose value.");
        if (!Enum.IsDefined(transB)) throw new ArgumentOutOfRangeException(nameof(transB), transB, "Not a Transpose value.");
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);

        // Stored shapes (row-major): A is m×k or k×m, B is k×n or n×k.
        (int aRows, int aCols) = transA == Transpose.None ? (m, k) : (k, m);
        (int bRows, int bCols) = transB == Transpose.None ? (k, n) : (n, k);
        CheckMatrix("A", aRows, aCols, lda, aLength, nameof(lda));
        CheckMatrix("B", bRows, bCols, ldb, bLength, nameof(ldb));
        CheckMatrix("C", m, n, ldc, cLength, nameof(ldc));
    }

    /// <summary>C ← beta·C on its m×n part (beta = 0 clears, so NaN in C does not survive). Rare path: plain loops.</summary>
    public static void ScaleC<T>(int m, int n, T beta, Span<T> c, int ldc) where T : unmanaged
    {
        for (int i = 0; i < m; i++)
        {
            Span<T> row = c.Slice(i * ldc, n);
            if (EqualityComparer<T>.Default.Equals(beta, default))
            {
                row.Clear();
            }
            else if (typeof(T) == typeof(float))
            {
                Scale(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(row), System.Runtime.CompilerServices.Unsafe.As<T, float>(ref beta));
            }
            else if (typeof(T) == typeof(double))
            {
                Scale(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(row), System.Runtime.CompilerServices.Unsafe.As<T, double>(ref beta));
            }
        }
    }

    private static void Scale<T>(Span<T> values, T factor) where T : System.Numerics.IMultiplyOperators<T, T, T>
    {
        for (int j = 0; j < values.Length; j++) values[j] *= factor;
    }

    private static void CheckMatrix(string name, int rows, int cols, int ld, int length, string ldName)
    {
        if (ld < Math.Max(1, cols))
        {
            throw new ArgumentOutOfRangeException(ldName, ld,
                $"Leading dimension of {name} must be at least max(1, {cols}) for a {rows}×{cols} matrix.");
        }
        long required = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < required)
        {
            throw new ArgumentOutOfRangeException(name.ToLowerInvariant(), length,
                $"{name} holds {length} elements but a {rows}×{cols} matrix with leading dimension {ld} needs {required}.");
        }
    }
}
