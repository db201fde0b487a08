using System.Runtime.Intrinsics;
using Nn.Native.Providers.Managed;
using Xunit;
using static Nn.Native.Providers.Managed.ManagedBlas;
using static Nn.Native.Transpose;

namespace Nn.Native.Tests;

/// <summary>
/// The managed provider's routing (which path a shape takes, how a product is split across threads) and its thread
/// setting. A wrong route or split that still covers C gives the same numbers, so the GEMM cases cannot see it.
/// </summary>
public sealed class ManagedBlasTests
{
    [Fact]
    public void ASingleUntransposedRowWithDepthIsAVectorMatrixProduct()
    {
        Assert.Equal(Route.RowTimesMatrix, Choose(None, 1, 300, 784, 2));
        Assert.Equal(Route.RowTimesMatrix, Choose(None, 1, 1, 1, 1));
        Assert.Equal(Route.Serial, Choose(Transposed, 1, 300, 784, 2)); // a row of Aᵀ is a strided column of A
        Assert.Equal(Route.Serial, Choose(None, 1, 300, 0, 2));         // nothing to multiply: only β·C
        Assert.Equal(Route.Serial, Choose(None, 2, 300, 784, 1));
    }

    [Fact]
    public void ProductsFromSixtyFourCubedMultiplyAddsRunInParallelWhenThereIsMoreThanOneThread()
    {
        Assert.Equal(ParallelThreshold, 64L * 64 * 64);
        Assert.Equal(Route.Parallel, Choose(None, 64, 64, 64, 2));
        Assert.Equal(Route.Serial, Choose(None, 64, 64, 63, 2));
        Assert.Equal(Route.Serial, Choose(None, 64, 64, 64, 1));
        Assert.Equal(Route.Parallel, Choose(Transposed, 2048, 2048, 2048, 2)); // 2³³: counted in 64 bits
        Assert.Equal(Route.Parallel, Choose(Transposed, 1, 4096, 4096, 3));
    }

    [Theory]
    [InlineData(128, 256, 2, 6, true, 0, 128)]   // at most 64 rows a part and more columns than rows: columns
    [InlineData(128, 256, 2, 6, true, 1, 128)]
    [InlineData(128, 128, 2, 8, false, 0, 64)]   // as many columns as rows: 16 granules of 8 rows, 8 and 8
    [InlineData(130, 256, 2, 8, false, 0, 64)]   // more than 64 rows a part: 17 granules of 8 rows, 8 and 9, the last ragged
    [InlineData(130, 256, 2, 8, false, 1, 66)]
    [InlineData(130, 256, 2, 6, false, 0, 66)]   // 22 granules of 6 rows: 11 and 11, the last one ragged
    [InlineData(130, 256, 2, 6, false, 1, 64)]
    [InlineData(129, 256, 2, 6, false, 1, 63)]
    [InlineData(10, 784, 2, 6, true, 0, 384)]    // 25 granules of 32 columns: 12 and 13
    [InlineData(10, 784, 2, 6, true, 1, 400)]
    [InlineData(10, 10, 2, 6, false, 1, 4)]      // as many columns as rows: rows
    [InlineData(6, 1, 2, 6, false, 0, 0)]        // one granule for two parts: the first is empty
    [InlineData(6, 1, 2, 6, false, 1, 6)]
    public void EachPartTakesAContiguousBlockOfWholeGranules(int m, int n, int parts, int rowGranule, bool columns, int part, int count)
    {
        (bool splitColumns, _, int actual) = Part(m, n, parts, part, 32, rowGranule);
        Assert.Equal(columns, splitColumns);
        Assert.Equal(count, actual);
    }

    [Fact]
    public void ThePartsTileTheProductExactlyInOrder()
    {
        foreach (int rowGranule in new[] { 6, 8 })
        foreach (int parts in new[] { 1, 2, 3, 4, 7 })
        foreach (int m in new[] { 1, 5, 6, 7, 47, 95, 96, 97, 128, 1000, 60_000 })
        foreach (int n in new[] { 1, 10, 31, 32, 33, 128, 784 })
        {
            int next = 0;
            bool? columns = null;
            for (int part = 0; part < parts; part++)
            {
                (bool splitColumns, int first, int count) = Part(m, n, parts, part, 32, rowGranule);
                columns ??= splitColumns;
                Assert.Equal(columns, splitColumns);
                if (count == 0) continue;
                Assert.Equal(next, first);
                Assert.Equal(0, first % (splitColumns ? 32 : rowGranule));
                next = first + count;
            }
            Assert.Equal(columns == true ? n : m, next);
        }
    }

    [Fact]
    public void AWeightGradientOverAWholeDataSetIsSplitByDepth()
    {
        Assert.Equal(4096, DepthSplitLength);
        Assert.True(SplitsDepth(Transposed, None, 10, 60_000));
        Assert.True(SplitsDepth(Transposed, None, 12, 4096));
        Assert.False(SplitsDepth(Transposed, None, 12, 4095));    // a batch: C's columns are split as before
        Assert.False(SplitsDepth(Transposed, None, 13, 60_000));  // more rows than the row kernel holds
        Assert.False(SplitsDepth(None, None, 10, 60_000));
        Assert.False(SplitsDepth(Transposed, Transposed, 10, 60_000));
    }

    [Theory]
    [InlineData(60_000, 2, 0, 0, 30_016)]     // 938 granules of 64 samples: 469 and 469, the last one ragged
    [InlineData(60_000, 2, 1, 30_016, 29_984)]
    [InlineData(4096, 3, 2, 2688, 1408)]
    [InlineData(64, 2, 0, 0, 0)]              // one granule for two parts: the first is empty
    [InlineData(64, 2, 1, 0, 64)]
    public void EachDepthPartTakesContiguousSamplesInGranulesOfSixtyFour(int k, int parts, int part, int first, int count)
    {
        Assert.Equal((first, count), DepthPart(k, parts, part));
    }

    [Fact]
    public void TheDepthPartsTileTheSamplesExactlyInOrder()
    {
        foreach (int parts in new[] { 1, 2, 3, 7 })
        foreach (int k in new[] { 1, 63, 64, 65, 4096, 4500, 60_000 })
        {
            int next = 0;
            for (int part = 0; part < parts; part++)
            {
                (int first, int count) = DepthPart(k, parts, part);
                if (count == 0) continue;
                Assert.Equal(next, first);
                Assert.Equal(0, first % 64);
                next = first + count;
            }
            Assert.Equal(k, next);
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]   // more than one partial slab
    public void ADepthSplitProductMatchesTheSerialOneAndAppliesBetaOnce(int threads)
    {
        // 10×70 += 0.5·δᵀ·X over 5,000 samples, β = 0.25, split by depth against one thread: the partial sums are added
        // to C, which is scaled once. C's stride is wider than its rows; the padding stays untouched.
        const int m = 10, n = 70, k = 5000, ldc = 75;
        var random = new Random(5);
        double[] a = Enumerable.Range(0, k * m).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] b = Enumerable.Range(0, k * n).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] start = Enumerable.Range(0, m * ldc).Select(_ => random.NextDouble()).ToArray();
        double[] serial = (double[])start.Clone(), split = (double[])start.Clone();
        var one = new ManagedBlas(1);
        var two = new ManagedBlas(threads);
        one.Gemm(Transposed, None, m, n, k, 0.5, a, m, b, n, 0.25, serial, ldc);
        two.Gemm(Transposed, None, m, n, k, 0.5, a, m, b, n, 0.25, split, ldc);
        two.Threads = 1;   // stops its worker
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                if (j >= n) Assert.Equal(start[at], split[at]);
                else Assert.Equal(serial[at], split[at], 1e-12);
            }
        }
    }

    [Fact]
    public void AColumnSplitTakesTwoVectorsOfColumnsAtATimeTheMicroKernelsWidth()
    {
        bool wide = Vector512.IsHardwareAccelerated;
        Assert.Equal(wide, ManagedGemmKernel<float>.UsesWideVectors);
        Assert.Equal(wide ? 32 : 16, ManagedGemmKernel<float>.ColumnGranule);
        Assert.Equal(wide ? 16 : 8, ManagedGemmKernel<double>.ColumnGranule);
    }

    [Fact]
    public void ARowSplitTakesTheMicroKernelsHeightAtATimeEightRowsWith512BitVectors()
    {
        int rows = Vector512.IsHardwareAccelerated ? 8 : 6;
        Assert.Equal(rows, ManagedGemmKernel<float>.RowGranule);
        Assert.Equal(rows, ManagedGemmKernel<double>.RowGranule);
    }

    [Fact]
    public void ThreadsAreTheWorkersPlusTheCaller()
    {
        var provider = new ManagedBlas(3);
        Assert.Equal(3, provider.Threads);
        Assert.Equal(3, provider.Pool.Parallelism);
        Assert.Equal("threads", Assert.Throws<ArgumentOutOfRangeException>(() => new ManagedBlas(0)).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => provider.Threads = 0).ParamName);
    }

    [Fact]
    public void ChangingTheThreadsStopsTheOldPoolAndKeepingThemKeepsIt()
    {
        var provider = new ManagedBlas(2);
        WorkerPool first = provider.Pool;
        provider.Threads = 2;
        Assert.Same(first, provider.Pool);
        provider.Threads = 4;
        Assert.True(first.IsDisposed);
        Assert.NotSame(first, provider.Pool);
        Assert.Equal(4, provider.Pool.Parallelism);
        Assert.False(provider.Pool.IsDisposed);
    }

    [Fact]
    public void VersionNamesTheVectorWidthTheKernelUses()
    {
        var provider = new ManagedBlas(1);
        string expected = Vector512.IsHardwareAccelerated ? "Nn managed GEMM (Vector512 FMA micro-kernel)"
            : $"Nn managed GEMM (Vector256 FMA micro-kernel, {(Vector256.IsHardwareAccelerated ? "hardware" : "software")} vectors)";
        Assert.Equal(expected, provider.Version);
        // The other widths, as a machine without AVX-512 (or without AVX2) would describe them.
        Assert.Equal("Nn managed GEMM (Vector512 FMA micro-kernel)", Describe(true, true));
        Assert.Equal("Nn managed GEMM (Vector256 FMA micro-kernel, hardware vectors)", Describe(false, true));
        Assert.Equal("Nn managed GEMM (Vector256 FMA micro-kernel, software vectors)", Describe(false, false));
        Assert.Equal("(managed)", provider.LibraryPath);
        Assert.Equal(BlasProviderKind.Managed, provider.Kind);
    }
}
