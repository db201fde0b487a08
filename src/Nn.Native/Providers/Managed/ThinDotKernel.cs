using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// C += alpha·A·Bᵀ when C has few columns (n ≤ one vector) and both A and B are stored with k contiguous: the scores
/// X·Wᵀ of an output layer or a linear model. Every C element is a dot product along k: four rows of A against five rows
/// of B at a time (twenty accumulators), a whole vector of k per load, so A streams through in full cache lines and every
/// lane does useful work, then one horizontal sum per element. Over a whole data set A comes from memory: the rows
/// sixteen ahead are asked for in L2 while these are computed (60,000×10×784 on this Zen 4 host: 16.4–16.8 ms on one
/// thread and 8.6–8.7 on two, against 19.6 and 10.0–10.4 with the next rows fetched into L1 instead).
/// </summary>
internal static unsafe class ThinDotKernel<T, TVector> where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct, IPanelVector<TVector, T>
{
    private const int Rows = 4, Columns = 5, Ahead = 16;
    [ThreadStatic] private static AlignedBuffer<T>? t_packed;

    public static bool Applies(Transpose transA, Transpose transB, int m, int n, int k) =>
        transA == Transpose.None && transB == Transpose.Transposed && n <= TVector.Count && k >= TVector.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T* c, int ldc)
    {
        int w = TVector.Count;
        int whole = k / w * w;   // the vector part of k; the rest is added scalar
        int blocks = (n + Columns - 1) / Columns;
        // B's rows copied to a contiguous, aligned slab padded with zero rows to whole blocks of five.
        long size = (long)blocks * Columns * k;
        T* packed = ScratchBuffer.Ensure(ref t_packed, size);
        for (int j = 0; j < blocks * Columns; j++)
        {
            T* row = packed + (long)j * k;
            if (j < n) new ReadOnlySpan<T>(b + (long)j * ldb, k).CopyTo(new Span<T>(row, k));
            else new Span<T>(row, k).Clear();
        }

        int i = 0;
        for (; i + Rows <= m; i += Rows)
        {
            T* a0 = a + i * (long)lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            for (int block = 0; block < blocks; block++)
            {
                T* b0 = packed + (long)block * Columns * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k;
                TVector s00 = default, s01 = default, s02 = default, s03 = default, s04 = default;
                TVector s10 = default, s11 = default, s12 = default, s13 = default, s14 = default;
                TVector s20 = default, s21 = default, s22 = default, s23 = default, s24 = default;
                TVector s30 = default, s31 = default, s32 = default, s33 = default, s34 = default;
                for (int p = 0; p < whole; p += w)
                {
                    // Once per row, in the first column block; L2, not L1, so the requests in flight do not stall the loads.
                    if (Sse.IsSupported && block == 0)
                    {
                        Sse.Prefetch1(a0 + p + Ahead * (long)lda);
                        Sse.Prefetch1(a1 + p + Ahead * (long)lda);
                        Sse.Prefetch1(a2 + p + Ahead * (long)lda);
                        Sse.Prefetch1(a3 + p + Ahead * (long)lda);
                    }
                    TVector x0 = TVector.Load(a0 + p), x1 = TVector.Load(a1 + p), x2 = TVector.Load(a2 + p), x3 = TVector.Load(a3 + p);
                    TVector v = TVector.Load(b0 + p);
                    s00 = TVector.MultiplyAdd(x0, v, s00); s10 = TVector.MultiplyAdd(x1, v, s10); s20 = TVector.MultiplyAdd(x2, v, s20); s30 = TVector.MultiplyAdd(x3, v, s30);
                    v = TVector.Load(b1 + p);
                    s01 = TVector.MultiplyAdd(x0, v, s01); s11 = TVector.MultiplyAdd(x1, v, s11); s21 = TVector.MultiplyAdd(x2, v, s21); s31 = TVector.MultiplyAdd(x3, v, s31);
                    v = TVector.Load(b2 + p);
                    s02 = TVector.MultiplyAdd(x0, v, s02); s12 = TVector.MultiplyAdd(x1, v, s12); s22 = TVector.MultiplyAdd(x2, v, s22); s32 = TVector.MultiplyAdd(x3, v, s32);
                    v = TVector.Load(b3 + p);
                    s03 = TVector.MultiplyAdd(x0, v, s03); s13 = TVector.MultiplyAdd(x1, v, s13); s23 = TVector.MultiplyAdd(x2, v, s23); s33 = TVector.MultiplyAdd(x3, v, s33);
                    v = TVector.Load(b4 + p);
                    s04 = TVector.MultiplyAdd(x0, v, s04); s14 = TVector.MultiplyAdd(x1, v, s14); s24 = TVector.MultiplyAdd(x2, v, s24); s34 = TVector.MultiplyAdd(x3, v, s34);
                }
                int j0 = block * Columns;
                T* c0 = c + i * (long)ldc + j0, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                int count = Math.Min(Columns, n - j0);
                Finish(c0, count, alpha, a0, b0, k, whole, s00, s01, s02, s03, s04);
                Finish(c1, count, alpha, a1, b0, k, whole, s10, s11, s12, s13, s14);
                Finish(c2, count, alpha, a2, b0, k, whole, s20, s21, s22, s23, s24);
                Finish(c3, count, alpha, a3, b0, k, whole, s30, s31, s32, s33, s34);
            }
        }
        // The last m mod 4 rows one at a time, still five columns (five independent sums) at a time.
        for (; i < m; i++)
        {
            T* ai = a + i * (long)lda;
            for (int block = 0; block < blocks; block++)
            {
                T* b0 = packed + (long)block * Columns * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k;
                TVector s0 = default, s1 = default, s2 = default, s3 = default, s4 = default;
                for (int p = 0; p < whole; p += w)
                {
                    TVector x = TVector.Load(ai + p);
                    s0 = TVector.MultiplyAdd(x, TVector.Load(b0 + p), s0);
                    s1 = TVector.MultiplyAdd(x, TVector.Load(b1 + p), s1);
                    s2 = TVector.MultiplyAdd(x, TVector.Load(b2 + p), s2);
                    s3 = TVector.MultiplyAdd(x, TVector.Load(b3 + p), s3);
                    s4 = TVector.MultiplyAdd(x, TVector.Load(b4 + p), s4);
                }
                int j0 = block * Columns;
                Finish(c + i * (long)ldc + j0, Math.Min(Columns, n - j0), alpha, ai, b0, k, whole, s0, s1, s2, s3, s4);
            }
        }
    }

    // c[j] += alpha·(Σ lanes of s_j + the scalar tail of k) for the block's valid columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(T* c, int count, T alpha, T* a, T* b, int k, int whole, TVector s0, TVector s1, TVector s2, TVector s3, TVector s4)
    {
        for (int j = 0; j < count; j++)
        {
            TVector s = j switch { 0 => s0, 1 => s1, 2 => s2, 3 => s3, _ => s4 };
            T sum = TVector.Sum(s);
            T* bj = b + (long)j * k;
            for (int p = whole; p < k; p++) sum += a[p] * bj[p];
            c[j] += alpha * sum;
        }
    }
}
