using System.Numerics;
using System.Runtime.CompilerServices;
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
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                Dot4(a, b + j * (long)ldb, ldb, k, out T d0, out T d1, out T d2, out T d3);
                Store(output, j, alpha * d0, beta);
                Store(output, j + 1, alpha * d1, beta);
                Store(output, j + 2, alpha * d2, beta);
                Store(output, j + 3, alpha * d3, beta);
            }
            for (; j < n; j++) Store(output, j, alpha * Dot(row, new ReadOnlySpan<T>(b + j * (long)ldb, k)), beta);
            return;
        }
        if (beta == T.Zero) output.Clear();
        else if (beta != T.One) for (int j = 0; j < n; j++) output[j] *= beta;
        for (int p = 0; p < k; p++)
        {
            MultiplyAdd(new ReadOnlySpan<T>(b + p * (long)ldb, n), alpha * row[p], output);
        }
    }

    private static void Store(Span<T> output, int j, T dot, T beta) => output[j] = beta == T.Zero ? dot : dot + beta * output[j];

    // Four dot products of x with four rows of B at once: x is read once for the four, and eight independent fused
    // multiply-add chains keep both FMA units busy (one row at a time, with two chains of separate multiplies and adds,
    // a batch-1 forward through 784-256-128-10 took 8.6 µs).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4(T* x, T* b, int ldb, int k, out T d0, out T d1, out T d2, out T d3)
    {
        T* r0 = b, r1 = b + ldb, r2 = b + 2L * ldb, r3 = b + 3L * ldb;
        Vector<T> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        int w = Vector<T>.Count, i = 0;
        for (; i + 2 * w <= k; i += 2 * w)
        {
            Vector<T> xa = Vector.Load(x + i), xb = Vector.Load(x + i + w);
            s0 = Fma(xa, Vector.Load(r0 + i), s0); t0 = Fma(xb, Vector.Load(r0 + i + w), t0);
            s1 = Fma(xa, Vector.Load(r1 + i), s1); t1 = Fma(xb, Vector.Load(r1 + i + w), t1);
            s2 = Fma(xa, Vector.Load(r2 + i), s2); t2 = Fma(xb, Vector.Load(r2 + i + w), t2);
            s3 = Fma(xa, Vector.Load(r3 + i), s3); t3 = Fma(xb, Vector.Load(r3 + i + w), t3);
        }
        for (; i + w <= k; i += w)
        {
            Vector<T> xa = Vector.Load(x + i);
            s0 = Fma(xa, Vector.Load(r0 + i), s0);
            s1 = Fma(xa, Vector.Load(r1 + i), s1);
            s2 = Fma(xa, Vector.Load(r2 + i), s2);
            s3 = Fma(xa, Vector.Load(r3 + i), s3);
        }
        d0 = Vector.Sum(s0 + t0); d1 = Vector.Sum(s1 + t1); d2 = Vector.Sum(s2 + t2); d3 = Vector.Sum(s3 + t3);
        for (; i < k; i++)
        {
            d0 += x[i] * r0[i]; d1 += x[i] * r1[i]; d2 += x[i] * r2[i]; d3 += x[i] * r3[i];
        }
    }

    // a·b + c rounded once; the element type is float or double (the GEMM's types).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        return PanelVector.Unsupported<Vector<T>, T>();
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
