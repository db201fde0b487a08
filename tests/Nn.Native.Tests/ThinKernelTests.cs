using Nn.Native.Memory;
using Nn.Native.Providers.Managed;
using Nn.Testing;
using Xunit;
using static Nn.Native.Transpose;

namespace Nn.Native.Tests;

/// <summary>
/// Which shapes each thin kernel takes (a wrong boundary would not change a result, only send a shape to a slower
/// kernel, so the GEMM tests cannot see it), and the per-thread packing buffers they share.
/// </summary>
public sealed class ThinKernelTests
{
    [Fact]
    public void TheDotKernelTakesNoMoreThanOneVectorOfColumnsAndAtLeastOneOfDepth()
    {
        // 16 floats or 8 doubles in a 512-bit vector; any number of rows; only A·Bᵀ.
        Assert.True(ThinDotKernel<float, Panel512<float>>.Applies(None, Transposed, 2048, 16, 16));
        Assert.True(ThinDotKernel<float, Panel512<float>>.Applies(None, Transposed, 60_000, 10, 784));
        Assert.False(ThinDotKernel<float, Panel512<float>>.Applies(None, Transposed, 2048, 17, 16));
        Assert.False(ThinDotKernel<float, Panel512<float>>.Applies(None, Transposed, 2048, 16, 15));
        Assert.True(ThinDotKernel<float, Panel512<float>>.Applies(None, Transposed, 1, 1, 784));
        Assert.True(ThinDotKernel<double, Panel512<double>>.Applies(None, Transposed, 500, 8, 8));
        Assert.False(ThinDotKernel<double, Panel512<double>>.Applies(None, Transposed, 500, 9, 8));
        Assert.False(ThinDotKernel<double, Panel512<double>>.Applies(None, Transposed, 500, 8, 7));
        Assert.True(ThinDotKernel<float, Panel256<float>>.Applies(None, Transposed, 10, 8, 8));
        Assert.False(ThinDotKernel<float, Panel256<float>>.Applies(None, Transposed, 10, 9, 8));
        foreach ((Transpose a, Transpose b) in new[] { (None, None), (Transposed, None), (Transposed, Transposed) })
        {
            Assert.False(ThinDotKernel<float, Panel512<float>>.Applies(a, b, 10, 10, 784));
        }
    }

    [Fact]
    public void TheRowKernelTakesUpToTwelveRowsOfAᵀTimesAtLeastOneVectorOfColumns()
    {
        Assert.True(ThinRowKernel<float, Panel512<float>>.Applies(Transposed, None, 12, 16));
        Assert.False(ThinRowKernel<float, Panel512<float>>.Applies(Transposed, None, 13, 16));
        Assert.False(ThinRowKernel<float, Panel512<float>>.Applies(Transposed, None, 12, 15));
        Assert.True(ThinRowKernel<double, Panel512<double>>.Applies(Transposed, None, 1, 8));
        Assert.False(ThinRowKernel<double, Panel512<double>>.Applies(Transposed, None, 1, 7));
        foreach ((Transpose a, Transpose b) in new[] { (None, None), (None, Transposed), (Transposed, Transposed) })
        {
            Assert.False(ThinRowKernel<float, Panel512<float>>.Applies(a, b, 10, 784));
        }
    }

    [Fact]
    public unsafe void TheGeneralKernelAloneOnlyScalesCWhenAlphaOrKIsZero()
    {
        // BlasProvider.Gemm handles these cases before any kernel runs; the kernel keeps its own check for callers
        // that reach it directly (the thread split, the native providers' thin shapes).
        const int size = 64;
        float[] a = Enumerable.Repeat(float.NaN, size * size).ToArray(), b = Enumerable.Repeat(float.NaN, size * size).ToArray();
        float[] c = Enumerable.Repeat(1f, size * size).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            ManagedGemmKernel<float>.Multiply(None, None, size, size, size, 0f, pa, size, pb, size, 2f, pc, size);
            Assert.All(c, value => Assert.Equal(2f, value));
            ManagedGemmKernel<float>.Multiply(None, Transposed, size, size, 0, 1f, pa, size, pb, size, 0.5f, pc, size);
            Assert.All(c, value => Assert.Equal(1f, value));
        }
    }

    [Fact]
    public void TheTransposedPackingGathersWhileItsOffsetsFitIn32Bits()
    {
        // The last row of a panel starts (nr − 1)·ld elements in, as a 32-bit gather offset; nr·ld < 2³¹ − 1 keeps it safe.
        bool avx2 = System.Runtime.Intrinsics.X86.Avx2.IsSupported;
        Assert.Equal(avx2, TransposedPanelPacking.Applies(8, 784));
        Assert.Equal(avx2, TransposedPanelPacking.Applies(8, int.MaxValue / 8));
        Assert.False(TransposedPanelPacking.Applies(8, int.MaxValue / 8 + 1));
        Assert.False(TransposedPanelPacking.Applies(32, int.MaxValue / 16));
        Assert.False(TransposedPanelPacking.Applies(1, int.MaxValue)); // nr·ld = 2³¹ − 1 exactly (a prime): refused
    }

    [Fact]
    public void TheColumnKernelTakesAnUntransposedAWithUpToOneVectorOfColumns()
    {
        Assert.True(ThinColumnKernel<float, Panel512<float>>.Applies(None, 16));
        Assert.False(ThinColumnKernel<float, Panel512<float>>.Applies(None, 17));
        Assert.False(ThinColumnKernel<float, Panel512<float>>.Applies(Transposed, 1));
        Assert.True(ThinColumnKernel<double, Panel256<double>>.Applies(None, 4));
        Assert.False(ThinColumnKernel<double, Panel256<double>>.Applies(None, 5));
    }
}

/// <summary>The packing buffers, with the native memory counters, which no other test may move meanwhile.</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed unsafe class ScratchBufferTests
{
    [Fact]
    public void ABufferIsKeptWhileLargeEnoughAndReplacedAtOnceWhenNot()
    {
        AlignedBuffer<float>? buffer = null;
        NativeMemoryCounters.SettleFinalizers();
        long blocks = NativeMemoryStatistics.LiveBlocks;
        float* first = ScratchBuffer.Ensure(ref buffer, 100);
        Assert.Equal(100, buffer!.Length);
        Assert.Equal(blocks + 1, NativeMemoryStatistics.LiveBlocks);
        AlignedBuffer<float> kept = buffer;
        Assert.True(first == ScratchBuffer.Ensure(ref buffer, 100));    // the same length, or less, keeps the buffer
        Assert.True(first == ScratchBuffer.Ensure(ref buffer, 1));
        Assert.Same(kept, buffer);
        ScratchBuffer.Ensure(ref buffer, 101);
        Assert.Equal(101, buffer!.Length);
        Assert.True(kept.IsDisposed);                                   // freed now, not by a finalizer later
        Assert.Equal(blocks + 1, NativeMemoryStatistics.LiveBlocks);
        Assert.Throws<OverflowException>(() => ScratchBuffer.Ensure(ref buffer, int.MaxValue + 1L));
        Assert.Equal(101, buffer.Length);                               // a refused size leaves the buffer in place
        Assert.False(buffer.IsDisposed);
        buffer.Dispose();
        Assert.Equal(blocks, NativeMemoryStatistics.LiveBlocks);
    }
}

/// <summary>A GEMM allocates its packing buffers on a thread's first call and none afterwards (the training step's hot path).</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed class GemmAllocationTests
{
    [Theory]
    [InlineData(128, 256, 784, Transposed)]   // the general kernel (forward X·Wᵀ)
    [InlineData(128, 10, 128, Transposed)]    // the thin dot kernel (output layer)
    [InlineData(10, 128, 128, None)]          // the thin row kernel (δᵀ·X of the output layer), with A transposed below
    [InlineData(500, 10, 784, None)]          // the thin column kernel
    public void RepeatedProductsAllocateNoNativeMemory(int m, int n, int k, Transpose transB)
    {
        // One thread: every call runs on this one, whose buffers the first call creates. (A worker's are created on
        // the first call it takes a part of, which need not be the first call.)
        BlasProvider provider = Blas.Load(BlasProviderKind.Managed);
        provider.Threads = 1;
        Transpose transA = m == 10 ? Transposed : None;
        float[] a = new float[m * k], b = new float[n * k], c = new float[m * n];
        int lda = transA == None ? k : m, ldb = transB == None ? n : k;
        provider.Gemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
        NativeMemoryCounters.SettleFinalizers();
        long blocks = Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks;
        for (int i = 0; i < 20; i++) provider.Gemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
        Assert.Equal(blocks, Nn.Native.Memory.NativeMemoryStatistics.LiveBlocks);
    }
}

/// <summary>The kernels' multiply-add is fused (one rounding), as the GEMM error bound and the native providers assume.</summary>
public sealed class PanelVectorTests
{
    [Fact]
    public void MultiplyAddRoundsOnceInFloat()
    {
        // (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴: a separate product rounds the 2⁻²⁴ away, a fused one keeps it.
        float a = 1 + MathF.Pow(2, -12), c = -(1 + MathF.Pow(2, -11)), expected = MathF.Pow(2, -24);
        Assert.All(Lanes(Panel256<float>.MultiplyAdd(Panel256<float>.Broadcast(a), Panel256<float>.Broadcast(a), Panel256<float>.Broadcast(c))), v => Assert.Equal(expected, v));
        Assert.All(Lanes(Panel512<float>.MultiplyAdd(Panel512<float>.Broadcast(a), Panel512<float>.Broadcast(a), Panel512<float>.Broadcast(c))), v => Assert.Equal(expected, v));
    }

    [Fact]
    public void MultiplyAddRoundsOnceInDouble()
    {
        double a = 1 + Math.Pow(2, -27), c = -(1 + Math.Pow(2, -26)), expected = Math.Pow(2, -54);
        Assert.All(Lanes(Panel256<double>.MultiplyAdd(Panel256<double>.Broadcast(a), Panel256<double>.Broadcast(a), Panel256<double>.Broadcast(c))), v => Assert.Equal(expected, v));
        Assert.All(Lanes(Panel512<double>.MultiplyAdd(Panel512<double>.Broadcast(a), Panel512<double>.Broadcast(a), Panel512<double>.Broadcast(c))), v => Assert.Equal(expected, v));
    }

    [Fact]
    public void OtherElementTypesAreRefusedByName() =>
        Assert.Equal("The GEMM kernels run in float or double, not Half.",
            Assert.Throws<NotSupportedException>(() => PanelVector.Unsupported<int, Half>()).Message);

    private static unsafe T[] Lanes<T, TPanel>(TPanel value) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        where TPanel : struct, IPanelVector<TPanel, T>
    {
        var lanes = new T[TPanel.Count];
        fixed (T* target = lanes) TPanel.Store(value, target);
        return lanes;
    }

    private static float[] Lanes(Panel256<float> value) => Lanes<float, Panel256<float>>(value);
    private static float[] Lanes(Panel512<float> value) => Lanes<float, Panel512<float>>(value);
    private static double[] Lanes(Panel256<double> value) => Lanes<double, Panel256<double>>(value);
    private static double[] Lanes(Panel512<double> value) => Lanes<double, Panel512<double>>(value);
}

/// <summary>The row kernel's walk over the next slice: every line of this part's columns of each row, once, in order.</summary>
public sealed unsafe class SlicePrefetchTests
{
    [Fact]
    public void TheWalkCoversThePartsColumnsOfEachRowOfTheNextSliceAndThenStops()
    {
        // Rows of 100 floats (400 bytes); this part's 40 columns are 160 bytes: lines at 0, 64 and 128 of each row. The
        // current slice is 3 rows deep, so the next one starts 1,200 bytes in; 2 rows of it remain.
        float* slice = (float*)0x10000;
        var walk = SlicePrefetch.After(slice, 3, 100, 40, 2);
        var seen = new List<long>();
        for (byte* line = walk.Next(); line != null; line = walk.Next()) seen.Add((long)line - 0x10000);
        Assert.Equal([1200, 1264, 1328, 1600, 1664, 1728], seen);
        Assert.True(walk.Next() == null);   // it stays done
    }

    [Fact]
    public void ARowOfWholeLinesEndsExactlyAtItsLastLineAndNothingRemainsWithNoRows()
    {
        double* slice = (double*)0x20000;
        var walk = SlicePrefetch.After(slice, 1, 16, 16, 1);   // one row of 128 bytes: two lines
        Assert.Equal(0x20000 + 128, (long)walk.Next());
        Assert.Equal(0x20000 + 192, (long)walk.Next());
        Assert.True(walk.Next() == null);
        var none = SlicePrefetch.After(slice, 1, 16, 16, 0);   // the last slice: nothing after it
        Assert.True(none.Next() == null);
    }
}
