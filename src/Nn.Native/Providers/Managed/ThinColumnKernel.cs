using System.Numerics;
using System.Runtime.CompilerServices;
using Nn.Native.Memory;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// C += alpha·A·op(B) when C has at most one vector of columns (n ≤ W: a 10-class output layer, a linear model's scores)
/// and A is not transposed. The general kernel would pad op(B) to two vectors and pack A for a 6-row tile. Here op(B) is
/// packed once as k rows of one vector, A is read in place, and each k is one FMA per row for 8 rows at a time, so A
/// (the large operand: a batch or a whole data set) streams through once.
/// </summary>
internal static unsafe class ThinColumnKernel<T, TVector> where T : unmanaged, IFloatingPointIeee754<T>
    where TVector : struct, IPanelVector<TVector, T>
{
    private const int Rows = 8;
    [ThreadStatic] private static AlignedBuffer<T>? t_packed;

    public static bool Applies(Transpose transA, int n) => transA == Transpose.None && n <= TVector.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(Transpose transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T* c, int ldc)
    {
        int w = TVector.Count;
        T* packed = ScratchBuffer.Ensure(ref t_packed, (long)k * w);
        // packed[p·W + j] = alpha · op(B)[p, j], zero beyond n.
        for (int p = 0; p < k; p++)
        {
            T* row = packed + p * w;
            for (int j = 0; j < n; j++) row[j] = alpha * (transB == Transpose.None ? b[p * (long)ldb + j] : b[j * (long)ldb + p]);
            for (int j = n; j < w; j++) row[j] = T.Zero;
        }

        T* tile = stackalloc T[Rows * w];
        int i = 0;
        for (; i + Rows <= m; i += Rows)
        {
            T* a0 = a + i * (long)lda;
            T* a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
            TVector c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            T* bp = packed;
            for (int p = 0; p < k; p++, bp += w)
            {
                TVector bv = TVector.Load(bp);
                c0 = TVector.MultiplyAdd(TVector.Broadcast(a0[p]), bv, c0);
                c1 = TVector.MultiplyAdd(TVector.Broadcast(a1[p]), bv, c1);
                c2 = TVector.MultiplyAdd(TVector.Broadcast(a2[p]), bv, c2);
                c3 = TVector.MultiplyAdd(TVector.Broadcast(a3[p]), bv, c3);
                c4 = TVector.MultiplyAdd(TVector.Broadcast(a4[p]), bv, c4);
                c5 = TVector.MultiplyAdd(TVector.Broadcast(a5[p]), bv, c5);
                c6 = TVector.MultiplyAdd(TVector.Broadcast(a6[p]), bv, c6);
                c7 = TVector.MultiplyAdd(TVector.Broadcast(a7[p]), bv, c7);
            }
            TVector.Store(c0, tile); TVector.Store(c1, tile + w); TVector.Store(c2, tile + 2 * w); TVector.Store(c3, tile + 3 * w);
            TVector.Store(c4, tile + 4 * w); TVector.Store(c5, tile + 5 * w); TVector.Store(c6, tile + 6 * w); TVector.Store(c7, tile + 7 * w);
            AddTile(tile, Rows, n, c + i * (long)ldc, ldc);
        }
        for (; i < m; i++)
        {
            T* ai = a + i * (long)lda;
            TVector acc = default;
            T* bp = packed;
            for (int p = 0; p < k; p++, bp += w) acc = TVector.MultiplyAdd(TVector.Broadcast(ai[p]), TVector.Load(bp), acc);
            TVector.Store(acc, tile);
            AddTile(tile, 1, n, c + i * (long)ldc, ldc);
        }
    }

    private static void AddTile(T* tile, int rows, int n, T* c, int ldc)
    {
        int w = TVector.Count;
        for (int r = 0; r < rows; r++)
        {
            T* row = c + r * (long)ldc;
            for (int j = 0; j < n; j++) row[j] += tile[r * w + j];
        }
    }
}
