using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// C += alpha·A·Bᵀ when C has few columns (n ≤ one vector) and both A and B are stored with k contiguous: the scores
/// X·Wᵀ of an output layer or a linear model. Every C element is a dot product along k: two rows of A against five rows
/// of B at a time (ten accumulators), a whole vector of k per load, so A streams through in full cache lines and every lane
/// does useful work, then one horizontal sum per element. Any number of rows: with the next rows prefetched it beats the
/// broadcast kernel (ThinColumnKernel) over a whole data set too (60,000×10×784: 21–22 against 24 ms on one thread,
/// 11.0–11.5 against 12.2 on two).
/// </summary>
internal static unsafe class ThinDotKernel<T, TVector> where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct, IPanelVector<TVector, T>
{
    private const int Rows = 2, Columns = 5;
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
            T* a0 = a + i * (long)lda, a1 = a0 + lda;
            for (int block = 0; block < blocks; block++)
            {
                T* b0 = packed + (long)block * Columns * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k, b4 = b3 + k;
                TVector s00 = default, s01 = default, s02 = default, s03 = default, s04 = default;
                TVector s10 = default, s11 = default, s12 = default, s13 = default, s14 = default;
                for (int p = 0; p < whole; p += w)
                {
                    // The next pair of rows, two rows ahead: over a whole data set A streams from memory, and the
                    // hardware prefetcher alone left the kernel waiting (60,000×10×784 on one thread: 24 → 22 ms).
                    if (Sse.IsSupported)
                    {
                        Sse.Prefetch0(a0 + p + 2 * (long)lda);
                        Sse.Prefetch0(a1 + p + 2 * (long)lda);
                    }
                    TVector x0 = TVector.Load(a0 + p), x1 = TVector.Load(a1 + p);
                    TVector v = TVector.Load(b0 + p);
                    s00 = TVector.MultiplyAdd(x0, v, s00); s10 = TVector.MultiplyAdd(x1, v, s10);
                    v = TVector.Load(b1 + p);
                    s01 = TVector.MultiplyAdd(x0, v, s01); s11 = TVector.MultiplyAdd(x1, v, s11);
                    v = TVector.Load(b2 + p);
                    s02 = TVector.MultiplyAdd(x0, v, s02); s12 = TVector.MultiplyAdd(x1, v, s12);
                    v = TVector.Load(b3 + p);
                    s03 = TVector.MultiplyAdd(x0, v, s03); s13 = TVector.MultiplyAdd(x1, v, s13);
                    v = TVector.Load(b4 + p);
                    s04 = TVector.MultiplyAdd(x0, v, s04); s14 = TVector.MultiplyAdd(x1, v, s14);
                }
                int j0 = block * Columns;
                T* c0 = c + i * (long)ldc + j0, c1 = c0 + ldc;
                int count = Math.Min(Columns, n - j0);
                Finish(c0, count, alpha, a0, b0, k, whole, s00, s01, s02, s03, s04);
                Finish(c1, count, alpha, a1, b0, k, whole, s10, s11, s12, s13, s14);
            }
        }
        for (; i < m; i++)
        {
            T* ai = a + i * (long)lda;
            for (int j = 0; j < n; j++)
            {
                T* bj = packed + (long)j * k;
                TVector s = default;
                for (int p = 0; p < whole; p += w) s = TVector.MultiplyAdd(TVector.Load(ai + p), TVector.Load(bj + p), s);
                T sum = TVector.Sum(s);
                for (int p = whole; p < k; p++) sum += ai[p] * bj[p];
                c[i * (long)ldc + j] += alpha * sum;
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
