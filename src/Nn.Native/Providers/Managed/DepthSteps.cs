using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Native.Providers.Managed;

/// <summary>
/// The depth steps a micro-kernel walks: all of them, or only those listed because every other step multiplies a packed
/// row of zeros. A struct per kind, so the JIT compiles one loop for each with no call or branch per step.
/// </summary>
internal interface IDepthSteps
{
    int Count { get; }

    /// <summary>The depth (row of the packed panels) of step <paramref name="q"/>.</summary>
    int Depth(int q);
}

/// <summary>Every depth step 0, 1, …, Count − 1.</summary>
internal readonly struct AllDepths(int count) : IDepthSteps
{
    public int Count => count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Depth(int q) => q;
}

/// <summary>The steps of a <see cref="PanelSteps"/> list.</summary>
internal readonly unsafe struct ListedDepths(int* list) : IDepthSteps
{
    public int Count => list[PanelSteps.CountSlot];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Depth(int q) => list[PanelSteps.FirstStep + q];
}

/// <summary>
/// What packing learns about a panel, for skipping its zero steps: which depth steps hold a non-zero value, and whether
/// every value is finite. A step whose packed row is all zeros adds exactly nothing to C when the other operand's row
/// is finite (an FMA with a zero factor returns its addend, and the accumulators start at +0), so a tile may skip the
/// zero steps of one panel when the other panel is all finite: bit-identical results, NaN and ∞ included. Blank image
/// borders and inactive ReLU units make such steps common in training: 13 % of the first layer's on Fashion-MNIST.
/// </summary>
/// <remarks>
/// A list is ints: [count, finiteness, step, step, …]. A panel packed without looking says count = its depth (nothing
/// to skip). Finiteness is found only when another panel's list would rely on it (<see cref="IsFinite"/>), so dense
/// products never pay for it.
/// </remarks>
internal static unsafe class PanelSteps
{
    public const int CountSlot = 0;
    public const int FiniteSlot = 1;
    public const int FirstStep = 2;

    /// <summary>Ints a list of at most <paramref name="depth"/> steps needs, with room for <see cref="Append"/>'s whole-vector store.</summary>
    public static int ListLength(int depth) => FirstStep + depth + 8;

    private const int Unknown = 0, Finite = 1, NotFinite = 2;

    /// <summary>Marks a panel of <paramref name="depth"/> steps as not examined: no step to skip, finiteness unknown.</summary>
    public static void Reset(int* list, int depth)
    {
        list[CountSlot] = depth;
        list[FiniteSlot] = Unknown;
    }

    /// <summary>The panel's step count after packing (its depth when it was not examined).</summary>
    public static int Count(int* list) => list[CountSlot];

    /// <summary>
    /// True when every one of the <paramref name="length"/> values of <paramref name="panel"/> is finite; found on the
    /// first call after <see cref="Reset"/> and remembered in the list.
    /// </summary>
    public static bool IsFinite<T>(int* list, T* panel, int length) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (list[FiniteSlot] == Unknown)
        {
            list[FiniteSlot] = TensorPrimitives.IsFiniteAll(new ReadOnlySpan<T>(panel, length)) ? Finite : NotFinite;
        }
        return list[FiniteSlot] == Finite;
    }

    /// <summary>
    /// Appends step <paramref name="p"/> + i for every bit i of <paramref name="nonZero"/> (at most 8 bits) to
    /// <paramref name="steps"/>, which holds <paramref name="count"/> steps; returns the new count. May write up to 8
    /// ints past the new last step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Append(int* steps, int count, int p, uint nonZero)
    {
        if (Avx512F.VL.IsSupported)
        {
            // vpcompressd packs the selected lanes of p, p+1, … p+7 to the front of a register, stored whole: eight
            // steps in a few instructions. (Compressing straight to memory is microcoded on Zen 4, ~20 ns a call.)
            Vector256<int> lanes = Vector256.Create(p) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
            Vector256<int> bits = Vector256.Create((int)nonZero) & Vector256.Create(1, 2, 4, 8, 16, 32, 64, 128);
            Vector256<int> selected = Avx512F.VL.Compress(Vector256<int>.Zero, Avx512F.VL.CompareNotEqual(bits, Vector256<int>.Zero), lanes);
            Vector256.Store(selected, steps + count);
            return count + BitOperations.PopCount(nonZero);
        }
        return AppendEachBit(steps, count, p, nonZero);
    }

    /// <summary><see cref="Append"/> without AVX-512: one bit at a time.</summary>
    internal static int AppendEachBit(int* steps, int count, int p, uint nonZero)
    {
        while (nonZero != 0)
        {
            steps[count++] = p + BitOperations.TrailingZeroCount(nonZero);
            nonZero &= nonZero - 1;
        }
        return count;
    }
}
