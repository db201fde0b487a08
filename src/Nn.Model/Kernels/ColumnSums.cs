using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Kernels;

/// <summary>
/// The bias gradient of a dense layer: the mean of δ's rows. Swept by column blocks of four vectors (two cache lines
/// of floats) with the rows inner, so each block's sums stay in registers: one call for the whole batch instead of a
/// TensorPrimitives call per row. Every element gets the same additions in the same order as row-by-row adding.
/// </summary>
internal static class ColumnSums
{
    // mean: (cols) = scale · Σ_r delta[r, :], delta: (rows ≥ 1, cols) row-major.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Mean<T>(ReadOnlySpan<T> delta, Span<T> mean, int rows, int cols, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (delta.Length < (long)rows * cols || mean.Length < cols)
        {
            throw new ArgumentException($"δ holds {delta.Length} values and the mean {mean.Length}; {rows} rows of {cols} need {(long)rows * cols} and {cols}.");
        }
        ref T d = ref MemoryMarshal.GetReference(delta);
        ref T o = ref MemoryMarshal.GetReference(mean);
        int w = Vector<T>.Count, j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + 4 * w <= cols; j += 4 * w)
            {
                Vector<T> s0 = Vector.LoadUnsafe(ref d, (nuint)j), s1 = Vector.LoadUnsafe(ref d, (nuint)(j + w));
                Vector<T> s2 = Vector.LoadUnsafe(ref d, (nuint)(j + 2 * w)), s3 = Vector.LoadUnsafe(ref d, (nuint)(j + 3 * w));
                for (int r = 1; r < rows; r++)
                {
                    nuint at = (nuint)((long)r * cols + j);
                    s0 += Vector.LoadUnsafe(ref d, at);
                    s1 += Vector.LoadUnsafe(ref d, at + (nuint)w);
                    s2 += Vector.LoadUnsafe(ref d, at + (nuint)(2 * w));
                    s3 += Vector.LoadUnsafe(ref d, at + (nuint)(3 * w));
                }
                s0.StoreUnsafe(ref o, (nuint)j);
                s1.StoreUnsafe(ref o, (nuint)(j + w));
                s2.StoreUnsafe(ref o, (nuint)(j + 2 * w));
                s3.StoreUnsafe(ref o, (nuint)(j + 3 * w));
            }
            for (; j + w <= cols; j += w)
            {
                Vector<T> s = Vector.LoadUnsafe(ref d, (nuint)j);
                for (int r = 1; r < rows; r++) s += Vector.LoadUnsafe(ref d, (nuint)((long)r * cols + j));
                s.StoreUnsafe(ref o, (nuint)j);
            }
        }
        for (; j < cols; j++)
        {
            T s = delta[j];
            for (int r = 1; r < rows; r++) s += delta[r * cols + j];
            mean[j] = s;
        }
        TensorPrimitives.Multiply(mean[..cols], scale, mean[..cols]);
    }
}
