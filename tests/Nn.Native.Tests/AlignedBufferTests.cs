using System.Runtime.CompilerServices;
using Nn.Native.Memory;
using Xunit;

namespace Nn.Native.Tests;

[CollectionDefinition(nameof(NativeMemoryCollection), DisableParallelization = true)]
public sealed class NativeMemoryCollection;

/// <summary>Ownership of native memory: alignment, zeroing, idempotent Dispose, finalizers, no growth.</summary>
[Collection(nameof(NativeMemoryCollection))]
public sealed unsafe class AlignedBufferTests(ITestOutputHelper output)
{
    [Fact]
    public void BufferIsAlignedZeroedAndWritable()
    {
        using var buffer = new AlignedBuffer<float>(1000);
        Assert.Equal(0, (long)buffer.Pointer % 64);
        Assert.All(buffer.Span.ToArray(), value => Assert.Equal(0f, value));
        buffer.Span[999] = 3f;
        Assert.Equal(3f, buffer.Slice(999, 1)[0]);
    }

    [Fact]
    public void ABigBufferStartsOnAHugePageOnLinuxAndCountsOnlyItsOwnBytes()
    {
        const int length = 3 * 1024 * 1024 + 5;   // 12 MiB and 20 bytes: rounded up to seven 2 MiB pages underneath
        GC.Collect();   // no finalizer of earlier garbage may free a block while this test counts bytes
        GC.WaitForPendingFinalizers();
        long before = NativeMemoryStatistics.LiveBytes;
        using (var buffer = new AlignedBuffer<float>(length))
        {
            Assert.Equal(0, (long)buffer.Pointer % (OperatingSystem.IsLinux() ? 2 * 1024 * 1024 : 64));
            Assert.Equal(length * 4L, NativeMemoryStatistics.LiveBytes - before);
            Assert.Equal(0f, buffer.Span[^1]);
            Assert.Equal(0f, buffer.Span[length / 2]);
            buffer.Span[^1] = 7f;
            Assert.Equal(7f, buffer.Span[^1]);
        }
        Assert.Equal(before, NativeMemoryStatistics.LiveBytes);
    }

    [Fact]
    public void HugePagesAreAskedForOnlyOnLinuxAndOnlyForBlocksOfFourPagesOrMore()
    {
        Assert.Equal(OperatingSystem.IsLinux(), HugePages.Worthwhile(4 * HugePages.Size));
        Assert.False(HugePages.Worthwhile(4 * HugePages.Size - 1));
        Assert.Equal(2 * HugePages.Size, HugePages.RoundUp(HugePages.Size + 1));
        Assert.Equal(HugePages.Size, HugePages.RoundUp(HugePages.Size));
    }

    [Fact]
    public void DisposeTwiceIsHarmlessAndUseAfterDisposeThrows()
    {
        var buffer = new AlignedBuffer<double>(16);
        buffer.Dispose();
        buffer.Dispose();
        Assert.True(buffer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => buffer.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => (long)buffer.Pointer);
    }

    [Fact]
    public void NegativeLengthIsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlignedBuffer<float>(-1));

    [Fact]
    public void HundredThousandBuffersLeaveResidentMemoryFlat()
    {
        long blocksBefore = NativeMemoryStatistics.LiveBlocks;
        AllocateAndDispose(1_000);
        long residentBefore = ResidentBytes();
        AllocateAndDispose(100_000);
        GC.Collect();
        long residentAfter = ResidentBytes();
        output.WriteLine($"resident before {residentBefore / 1024} KiB, after {residentAfter / 1024} KiB");
        Assert.Equal(blocksBefore, NativeMemoryStatistics.LiveBlocks);
        // 100,000 × 4 KiB would be 400 MB if freed memory were lost; allow allocator noise only.
        Assert.True(residentAfter - residentBefore < 16 << 20, $"resident memory grew by {(residentAfter - residentBefore) >> 20} MiB");
    }

    [Fact]
    public void FinalizerFreesBuffersThatWereNeverDisposed()
    {
        // Garbage left by earlier tests first (a stopped GEMM worker's per-thread scratch is freed by its finalizer), so
        // that only this test's buffers are counted below.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long blocksBefore = NativeMemoryStatistics.LiveBlocks;
        long bytesBefore = NativeMemoryStatistics.LiveBytes;
        AbandonBuffers(10_000);
        for (int i = 0; i < 3 && NativeMemoryStatistics.LiveBlocks != blocksBefore; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(blocksBefore, NativeMemoryStatistics.LiveBlocks);
        Assert.Equal(bytesBefore, NativeMemoryStatistics.LiveBytes);
    }

    private static void AllocateAndDispose(int count)
    {
        for (int i = 0; i < count; i++)
        {
            using var buffer = new AlignedBuffer<float>(1024);
            buffer.Span[0] = i;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AbandonBuffers(int count)
    {
        for (int i = 0; i < count; i++)
        {
            _ = new AlignedBuffer<float>(256);
        }
    }

    private static long ResidentBytes()
    {
        // /proc/self/statm: size resident shared ... in pages.
        string[] fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }
}
