using System.Numerics;
using System.Runtime.InteropServices;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The single-row product c(1×n) = alpha·a(1×k)·op(B) + beta·c without packing: a dot product per column of
/// op(B) when B is stored transposed (rows of B are contiguous), or a scaled row sum when it is not.
/// </summary>
internal static unsafe class ManagedGemv<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static void RowTimesMatrix(Transpose transB, int n, int k, T alpha, T* a, T* b, int ldb, T beta, T* c)
    {
        var row = new ReadOnlySpan<T>(a, k);
        var output = new Span<T>(c, n);
        if (transB == Transpose.Transposed)
        {
            for (int j = 0; j < n; j++)
            {
                T dot = alpha * Dot(row, new ReadOnlySpan<T>(b + j * (long)ldb, k));
                output[j] = beta == T.Zero ? dot : dot + beta * output[j];
            }
            return;
        }
        if (beta == T.Zero) output.Clear();
        else if (beta != T.One) for (int j = 0; j < n; j++) output[j] *= beta;
        for (int p = 0; p < k; p++)
        {
            MultiplyAdd(new ReadOnlySpan<T>(b + p * (long)ldb, n), alpha * row[p], output);
        }
    }

    private static T Dot(ReadOnlySpan<T> x, ReadOnlySpan<T> y)
    {
        Vector<T> sum0 = Vector<T>.Zero, sum1 = Vector<T>.Zero;
        ReadOnlySpan<Vector<T>> xv = MemoryMarshal.Cast<T, Vector<T>>(x), yv = MemoryMarshal.Cast<T, Vector<T>>(y);
        int i = 0;
        for (; i + 1 < xv.Length; i += 2)
        {
            sum0 += xv[i] * yv[i];
            sum1 += xv[i + 1] * yv[i + 1];
        }
        if (i < xv.Length) sum0 += xv[i] * yv[i];
        T total = Vector.Sum(sum0 + sum1);
        for (int j = xv.Length * Vector<T>.Count; j < x.Length; j++) total += x[j] * y[j];
        return total;
    }

    // destination += scale · source
    private static void MultiplyAdd(ReadOnlySpan<T> source, T scale, Span<T> destination)
    {
        ReadOnlySpan<Vector<T>> sv = MemoryMarshal.Cast<T, Vector<T>>(source);
        Span<Vector<T>> dv = MemoryMarshal.Cast<T, Vector<T>>(destination);
        var s = new Vector<T>(scale);
        for (int i = 0; i < sv.Length; i++) dv[i] += s * sv[i];
        for (int j = sv.Length * Vector<T>.Count; j < source.Length; j++) destination[j] += scale * source[j];
    }
}
