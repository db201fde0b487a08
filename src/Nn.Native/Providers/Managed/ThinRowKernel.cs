using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// C += alpha·Aᵀ·B when C has few rows (m ≤ 12) and k is long: the weight gradient δᵀ·X of an output layer or a linear
/// model, with δ (k × m ≤ 12) and X (k × n) stored by sample. B streams through once in slices of k that stay in L2;
/// each slice is swept by column blocks of two vectors with all rows of C in 24 accumulators, one FMA per sample, row
/// and vector. The general kernel would pack the whole of X per slice for a 6-row tile. While one slice is computed the
/// next is asked for in L2, two cache lines per sample step (10×784×60,000 on this Zen 4 host: 11.6–12.0 ms on one
/// thread and 7.1–7.4 on two, against 20.4–20.7 and 11.4–11.7 when each slice's first column block waited on memory).
/// </summary>
internal static unsafe class ThinRowKernel<T, TVector> where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct, IPanelVector<TVector, T>
{
    private const int Rows = 12;
    private const int SliceBytes = 256 * 1024;   // a slice of B that stays in L2 while every column block reads it
    [ThreadStatic] private static AlignedBuffer<T>? t_packed;

    public static bool Applies(Transpose transA, Transpose transB, int m, int n) =>
        transA == Transpose.Transposed && transB == Transpose.None && m <= Rows && n >= TVector.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T* c, int ldc)
    {
        int w = TVector.Count;
        int slice = Math.Max(16, SliceBytes / (sizeof(T) * Math.Max(1, n)));
        T* packed = ScratchBuffer.Ensure(ref t_packed, (long)slice * Rows);
        for (int p0 = 0; p0 < k; p0 += slice)
        {
            int depth = Math.Min(slice, k - p0);
            Pack(a + p0 * (long)lda, lda, depth, m, alpha, packed);
            T* bSlice = b + p0 * (long)ldb;
            var next = SlicePrefetch.After(bSlice, depth, ldb, n, Math.Min(slice, k - p0 - depth));
            int j = 0;
            for (; j + 2 * w <= n; j += 2 * w) Block2(packed, depth, bSlice + j, ldb, c + j, ldc, m, ref next);
            for (; j + w <= n; j += w) Block1(packed, depth, bSlice + j, ldb, c + j, ldc, m, ref next);
            for (; j < n; j++)
            {
                for (int i = 0; i < m; i++)
                {
                    T sum = T.Zero;
                    for (int p = 0; p < depth; p++) sum += packed[p * Rows + i] * bSlice[p * (long)ldb + j];
                    c[i * (long)ldc + j] += sum;
                }
            }
        }
    }

    // packed[p][r] = alpha · A[p, r], zero beyond m: the broadcasts read it contiguously. Whole 256-bit vectors of each
    // row first: an element-by-element loop was a fifth of a batch-128 output layer's weight gradient (10×128×128).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(T* a, int lda, int depth, int m, T alpha, T* packed)
    {
        int w = Vector256<T>.Count;
        Vector256<T> scale = Vector256.Create(alpha);
        for (int p = 0; p < depth; p++)
        {
            T* source = a + p * (long)lda, target = packed + p * Rows;
            int r = 0;
            for (; Vector256.IsHardwareAccelerated && r + w <= m; r += w) Vector256.Store(scale * Vector256.Load(source + r), target + r);
            for (; r < m; r++) target[r] = alpha * source[r];
            for (; r < Rows; r++) target[r] = T.Zero;
        }
    }

    // c[0..rows, 0..2W) += Σ_p packedA[p, r] · B[p, 0..2W).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block2(T* a, int depth, T* b, int ldb, T* c, int ldc, int rows, ref SlicePrefetch next)
    {
        int w = TVector.Count;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        TVector c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        TVector c80 = default, c81 = default, c90 = default, c91 = default, cA0 = default, cA1 = default, cB0 = default, cB1 = default;
        for (int p = 0; p < depth; p++, a += Rows, b += ldb)
        {
            next.Two();
            TVector b0 = TVector.Load(b), b1 = TVector.Load(b + w);
            TVector x = TVector.Broadcast(a[0]); c00 = TVector.MultiplyAdd(x, b0, c00); c01 = TVector.MultiplyAdd(x, b1, c01);
            x = TVector.Broadcast(a[1]); c10 = TVector.MultiplyAdd(x, b0, c10); c11 = TVector.MultiplyAdd(x, b1, c11);
            x = TVector.Broadcast(a[2]); c20 = TVector.MultiplyAdd(x, b0, c20); c21 = TVector.MultiplyAdd(x, b1, c21);
            x = TVector.Broadcast(a[3]); c30 = TVector.MultiplyAdd(x, b0, c30); c31 = TVector.MultiplyAdd(x, b1, c31);
            x = TVector.Broadcast(a[4]); c40 = TVector.MultiplyAdd(x, b0, c40); c41 = TVector.MultiplyAdd(x, b1, c41);
            x = TVector.Broadcast(a[5]); c50 = TVector.MultiplyAdd(x, b0, c50); c51 = TVector.MultiplyAdd(x, b1, c51);
            x = TVector.Broadcast(a[6]); c60 = TVector.MultiplyAdd(x, b0, c60); c61 = TVector.MultiplyAdd(x, b1, c61);
            x = TVector.Broadcast(a[7]); c70 = TVector.MultiplyAdd(x, b0, c70); c71 = TVector.MultiplyAdd(x, b1, c71);
            x = TVector.Broadcast(a[8]); c80 = TVector.MultiplyAdd(x, b0, c80); c81 = TVector.MultiplyAdd(x, b1, c81);
            x = TVector.Broadcast(a[9]); c90 = TVector.MultiplyAdd(x, b0, c90); c91 = TVector.MultiplyAdd(x, b1, c91);
            x = TVector.Broadcast(a[10]); cA0 = TVector.MultiplyAdd(x, b0, cA0); cA1 = TVector.MultiplyAdd(x, b1, cA1);
            x = TVector.Broadcast(a[11]); cB0 = TVector.MultiplyAdd(x, b0, cB0); cB1 = TVector.MultiplyAdd(x, b1, cB1);
        }
        AddRow(c, 0, rows, ldc, c00, c01); AddRow(c, 1, rows, ldc, c10, c11); AddRow(c, 2, rows, ldc, c20, c21); AddRow(c, 3, rows, ldc, c30, c31);
        AddRow(c, 4, rows, ldc, c40, c41); AddRow(c, 5, rows, ldc, c50, c51); AddRow(c, 6, rows, ldc, c60, c61); AddRow(c, 7, rows, ldc, c70, c71);
        AddRow(c, 8, rows, ldc, c80, c81); AddRow(c, 9, rows, ldc, c90, c91); AddRow(c, 10, rows, ldc, cA0, cA1); AddRow(c, 11, rows, ldc, cB0, cB1);
    }

    // As Block2 with one vector of columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block1(T* a, int depth, T* b, int ldb, T* c, int ldc, int rows, ref SlicePrefetch next)
    {
        TVector c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        TVector c6 = default, c7 = default, c8 = default, c9 = default, cA = default, cB = default;
        for (int p = 0; p < depth; p++, a += Rows, b += ldb)
        {
            next.Two();
            TVector v = TVector.Load(b);
            c0 = TVector.MultiplyAdd(TVector.Broadcast(a[0]), v, c0); c1 = TVector.MultiplyAdd(TVector.Broadcast(a[1]), v, c1);
            c2 = TVector.MultiplyAdd(TVector.Broadcast(a[2]), v, c2); c3 = TVector.MultiplyAdd(TVector.Broadcast(a[3]), v, c3);
            c4 = TVector.MultiplyAdd(TVector.Broadcast(a[4]), v, c4); c5 = TVector.MultiplyAdd(TVector.Broadcast(a[5]), v, c5);
            c6 = TVector.MultiplyAdd(TVector.Broadcast(a[6]), v, c6); c7 = TVector.MultiplyAdd(TVector.Broadcast(a[7]), v, c7);
            c8 = TVector.MultiplyAdd(TVector.Broadcast(a[8]), v, c8); c9 = TVector.MultiplyAdd(TVector.Broadcast(a[9]), v, c9);
            cA = TVector.MultiplyAdd(TVector.Broadcast(a[10]), v, cA); cB = TVector.MultiplyAdd(TVector.Broadcast(a[11]), v, cB);
        }
        AddRow1(c, 0, rows, ldc, c0); AddRow1(c, 1, rows, ldc, c1); AddRow1(c, 2, rows, ldc, c2); AddRow1(c, 3, rows, ldc, c3);
        AddRow1(c, 4, rows, ldc, c4); AddRow1(c, 5, rows, ldc, c5); AddRow1(c, 6, rows, ldc, c6); AddRow1(c, 7, rows, ldc, c7);
        AddRow1(c, 8, rows, ldc, c8); AddRow1(c, 9, rows, ldc, c9); AddRow1(c, 10, rows, ldc, cA); AddRow1(c, 11, rows, ldc, cB);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow(T* c, int row, int rows, int ldc, TVector left, TVector right)
    {
        if (row >= rows) return;
        T* target = c + row * (long)ldc;
        TVector.Store(TVector.Add(TVector.Load(target), left), target);
        TVector.Store(TVector.Add(TVector.Load(target + TVector.Count), right), target + TVector.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow1(T* c, int row, int rows, int ldc, TVector value)
    {
        if (row >= rows) return;
        T* target = c + row * (long)ldc;
        TVector.Store(TVector.Add(TVector.Load(target), value), target);
    }
}
