using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// Packs a panel of op(B) = Bᵀ: packed[p·nr + j] = source[j·ld + p], with in-register 8×8 transposes (float)
/// or AVX2 gathers (double) instead of one strided element at a time.
/// </summary>
internal static unsafe class TransposedPanelPacking
{
    /// <summary>
    /// True when this CPU has AVX2 and the 32-bit gather offsets of a panel nr rows tall with rows ld apart fit.
    /// </summary>
    public static bool Applies(int nr, int ld) => Avx2.IsSupported && (long)nr * ld < int.MaxValue;

    /// <param name="steps">Null, or the <see cref="PanelSteps"/> list of an 8-row float panel, already reset, to fill with
    /// the panel's non-zero steps; left as it is otherwise.</param>
    /// <returns>False when <see cref="Applies"/> is false or T is not float/double; the caller then packs scalar.</returns>
    public static bool TryPack<T>(T* source, int ld, int kc, int nr, T* packed, int* steps = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Applies(nr, ld))
        {
            return false;
        }
        if (typeof(T) == typeof(float))
        {
            PackSingle((float*)source, ld, kc, nr, (float*)packed, steps);
            return true;
        }
        if (typeof(T) == typeof(double))
        {
            PackDouble((double*)source, ld, kc, nr, (double*)packed);
            return true;
        }
        return false;
    }

    // 8×8 blocks transposed in registers (unpack, shuffle, 128-bit permute): 8 loads and 8 stores per 64 values,
    // about four times faster than gathering; leftover columns of p are gathered.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackSingle(float* source, int ld, int kc, int nr, float* packed, int* steps)
    {
        int p = 0, count = 0;
        bool listZeros = steps != null && nr == 8;
        for (; p + 8 <= kc; p += 8)
        {
            for (int j = 0; j < nr; j += 8)
            {
                float* row = source + (long)j * ld + p;
                Vector256<float> r0 = Avx.LoadVector256(row), r1 = Avx.LoadVector256(row + ld);
                Vector256<float> r2 = Avx.LoadVector256(row + 2L * ld), r3 = Avx.LoadVector256(row + 3L * ld);
                Vector256<float> r4 = Avx.LoadVector256(row + 4L * ld), r5 = Avx.LoadVector256(row + 5L * ld);
                Vector256<float> r6 = Avx.LoadVector256(row + 6L * ld), r7 = Avx.LoadVector256(row + 7L * ld);
                Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
                Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
                Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
                Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
                Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
                Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
                Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
                Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
                float* target = packed + p * nr + j;
                Avx.Store(target, Avx.Permute2x128(u0, u4, 0x20));
                Avx.Store(target + nr, Avx.Permute2x128(u1, u5, 0x20));
                Avx.Store(target + 2 * nr, Avx.Permute2x128(u2, u6, 0x20));
                Avx.Store(target + 3 * nr, Avx.Permute2x128(u3, u7, 0x20));
                Avx.Store(target + 4 * nr, Avx.Permute2x128(u0, u4, 0x31));
                Avx.Store(target + 5 * nr, Avx.Permute2x128(u1, u5, 0x31));
                Avx.Store(target + 6 * nr, Avx.Permute2x128(u2, u6, 0x31));
                Avx.Store(target + 7 * nr, Avx.Permute2x128(u3, u7, 0x31));
                if (listZeros)
                {
                    // Lane i of the rows' OR is ±0 only when step p + i is ±0 in all eight rows.
                    Vector256<float> any = ((r0 | r1) | (r2 | r3)) | ((r4 | r5) | (r6 | r7));
                    uint nonZero = ~Vector256.Equals(any, Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFF;
                    count = PanelSteps.Append(steps + PanelSteps.FirstStep, count, p, nonZero);
                }
            }
        }
        Vector256<int> offsets = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * ld;
        for (; p < kc; p++)
        {
            for (int j = 0; j < nr; j += 8)
            {
                Vector256<float> column = Avx2.GatherVector256(source + (long)j * ld + p, offsets, 4);
                Avx.Store(packed + p * nr + j, column);
                if (listZeros)
                {
                    steps[PanelSteps.FirstStep + count] = p;
                    count += Vector256.EqualsAll(column, Vector256<float>.Zero) ? 0 : 1;
                }
            }
        }
        if (listZeros) steps[PanelSteps.CountSlot] = count;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackDouble(double* source, int ld, int kc, int nr, double* packed)
    {
        Vector128<int> offsets = Vector128.Create(0, 1, 2, 3) * ld;
        for (int p = 0; p < kc; p++)
        {
            double* target = packed + p * nr;
            double* column = source + p;
            for (int j = 0; j < nr; j += 4)
            {
                Avx.Store(target + j, Avx2.GatherVector256(column + (long)j * ld, offsets, 8));
            }
        }
    }
}
