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
