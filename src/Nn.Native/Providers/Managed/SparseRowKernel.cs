using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The single-sample dense layer z = x·Wᵀ + b for inference, with W stored transposed (inputs × padded outputs) so that
/// each input streams one contiguous row of weights into register accumulators. Inputs that are exactly zero (ReLU
/// outputs, blank pixels) are skipped: they add nothing, so the result is the same and half the weights are never read.
/// </summary>
internal static unsafe class SparseRowKernel
{
    /// <summary>Row widths are padded to this many floats so every column block is whole vectors (16 = one 512-bit register).</summary>
    public const int Padding = 16;

    /// <summary>Writes the positions of the non-zero entries of x (length k) to <paramref name="indices"/>; returns how many.</summary>
    public static int NonZero(float* x, int k, int* indices)
    {
        int count = 0, p = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; p + Vector256<float>.Count <= k; p += Vector256<float>.Count)
            {
                uint mask = ~Vector256.Equals(Vector256.Load(x + p), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                while (mask != 0)
                {
                    indices[count++] = p + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                }
            }
        }
        for (; p < k; p++)
        {
            indices[count] = p;
            count += x[p] != 0 ? 1 : 0;
        }
        return count;
    }

    /// <summary>Column blocks a parallel split should respect: the widest block the kernel keeps in registers.</summary>
    public static int ColumnGranule => 8 * (Vector512.IsHardwareAccelerated ? Vector512<float>.Count : Vector256<float>.Count);

    // x: (k) with non-zero positions indices[..count]; wt: (k, ldw) = Wᵀ; bias: (columns) -> z: (columns) = x·Wᵀ + b
    // for the first `columns` columns of wt (pass wt + c0, bias + c0, z + c0 for a later range). columns % Padding == 0.
    public static void Multiply(float* x, int* indices, int count, float* wt, int ldw, int columns, float* bias, float* z)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Multiply<Panel512<float>>(x, indices, count, wt, ldw, columns, bias, z);
        }
        else
        {
            Multiply<Panel256<float>>(x, indices, count, wt, ldw, columns, bias, z);
        }
    }

    private static void Multiply<TV>(float* x, int* indices, int count, float* wt, int ldw, int columns, float* bias, float* z)
        where TV : struct, IPanelVector<TV, float>
    {
        int width = TV.Count, c = 0;
        for (; c + 8 * width <= columns; c += 8 * width) Block8<TV>(x, indices, count, wt + c, ldw, bias + c, z + c);
        for (; c < columns; c += width) Block1<TV>(x, indices, count, wt + c, ldw, bias + c, z + c);
    }

    // Eight vectors of outputs held in registers across the whole input loop.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block8<TV>(float* x, int* indices, int count, float* w, int ldw, float* bias, float* z)
        where TV : struct, IPanelVector<TV, float>
    {
        int v = TV.Count;
        TV a0 = TV.Load(bias), a1 = TV.Load(bias + v), a2 = TV.Load(bias + 2 * v), a3 = TV.Load(bias + 3 * v);
        TV a4 = TV.Load(bias + 4 * v), a5 = TV.Load(bias + 5 * v), a6 = TV.Load(bias + 6 * v), a7 = TV.Load(bias + 7 * v);
        for (int t = 0; t < count; t++)
        {
            int p = indices[t];
            TV xp = TV.Broadcast(x[p]);
            float* row = w + (long)p * ldw;
            a0 = TV.MultiplyAdd(xp, TV.Load(row), a0);
            a1 = TV.MultiplyAdd(xp, TV.Load(row + v), a1);
            a2 = TV.MultiplyAdd(xp, TV.Load(row + 2 * v), a2);
            a3 = TV.MultiplyAdd(xp, TV.Load(row + 3 * v), a3);
            a4 = TV.MultiplyAdd(xp, TV.Load(row + 4 * v), a4);
            a5 = TV.MultiplyAdd(xp, TV.Load(row + 5 * v), a5);
            a6 = TV.MultiplyAdd(xp, TV.Load(row + 6 * v), a6);
            a7 = TV.MultiplyAdd(xp, TV.Load(row + 7 * v), a7);
        }
        TV.Store(a0, z);
        TV.Store(a1, z + v);
        TV.Store(a2, z + 2 * v);
        TV.Store(a3, z + 3 * v);
        TV.Store(a4, z + 4 * v);
        TV.Store(a5, z + 5 * v);
        TV.Store(a6, z + 6 * v);
        TV.Store(a7, z + 7 * v);
    }

    // One vector of outputs; two accumulators over alternating inputs hide the FMA latency, summed at the end.
    private static void Block1<TV>(float* x, int* indices, int count, float* w, int ldw, float* bias, float* z)
        where TV : struct, IPanelVector<TV, float>
    {
        TV even = TV.Load(bias), odd = TV.Broadcast(0f);
        int t = 0;
        for (; t + 1 < count; t += 2)
        {
            int p = indices[t], q = indices[t + 1];
            even = TV.MultiplyAdd(TV.Broadcast(x[p]), TV.Load(w + (long)p * ldw), even);
            odd = TV.MultiplyAdd(TV.Broadcast(x[q]), TV.Load(w + (long)q * ldw), odd);
        }
        if (t < count)
        {
            int p = indices[t];
            even = TV.MultiplyAdd(TV.Broadcast(x[p]), TV.Load(w + (long)p * ldw), even);
        }
        TV.Store(TV.Add(even, odd), z);
    }
}
