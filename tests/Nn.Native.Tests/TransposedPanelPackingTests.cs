using System.Numerics;
using System.Runtime.Intrinsics.X86;
using Nn.Native.Providers.Managed;
using Xunit;

namespace Nn.Native.Tests;

/// <summary>
/// The transposed-panel packing on its own: packed[p·nr + j] = source[j·ld + p] for every p &lt; kc and j &lt; nr, and
/// nothing written past the panel. Through the GEMM a packing that falls back to the scalar path, or writes rows the
/// kernel never reads, still gives right products.
/// </summary>
public sealed unsafe class TransposedPanelPackingTests
{
    [Theory]
    [InlineData(16, 19)] // two 8×8 blocks, then three gathered columns
    [InlineData(16, 16)] // blocks only
    [InlineData(32, 5)]  // gathers only
    [InlineData(8, 1)]
    public void FloatPanelsAreTransposedExactlyAndNothingBeyondIsWritten(int nr, int kc) => Check<float>(nr, kc);

    [Theory]
    [InlineData(8, 19)]
    [InlineData(16, 4)]
    [InlineData(4, 1)]
    public void DoublePanelsAreTransposedExactlyAndNothingBeyondIsWritten(int nr, int kc) => Check<double>(nr, kc);

    private static void Check<T>(int nr, int kc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Avx2.IsSupported) Assert.Skip("The gathering packer needs AVX2.");
        int ld = kc + 3;
        var source = new T[nr * ld];
        for (int i = 0; i < source.Length; i++) source[i] = T.CreateChecked(i + 1);
        const int canary = 64;
        var packed = new T[kc * nr + canary];
        Array.Fill(packed, T.NaN);
        fixed (T* s = source)
        fixed (T* p = packed)
        {
            Assert.True(TransposedPanelPacking.TryPack(s, ld, kc, nr, p));
        }
        for (int p = 0; p < kc; p++)
        for (int j = 0; j < nr; j++)
        {
            Assert.Equal(source[j * ld + p], packed[p * nr + j]);
        }
        Assert.All(packed[(kc * nr)..], value => Assert.True(T.IsNaN(value), "a value was written past the panel"));
    }

    [Fact]
    public void OffsetsThatWouldOverflowAndOtherTypesAreLeftToTheScalarPath()
    {
        // Refused before any memory is touched, so no buffer is needed.
        Assert.False(TransposedPanelPacking.TryPack<float>(null, int.MaxValue / 8 + 1, 8, 8, null));
        Assert.False(TransposedPanelPacking.TryPack<double>(null, int.MaxValue / 4 + 1, 8, 8, null));
        var source = new Half[64];
        var packed = new Half[64];
        fixed (Half* s = source)
        fixed (Half* p = packed)
        {
            Assert.False(TransposedPanelPacking.TryPack(s, 8, 8, 8, p));
        }
    }
}
