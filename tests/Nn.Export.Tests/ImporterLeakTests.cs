using Nn.Export.Onnx;
using Nn.Native.Memory;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>Tests that read the process-wide native memory counters run alone, so no other test allocates meanwhile.</summary>
[CollectionDefinition(nameof(NativeMemoryCounters), DisableParallelization = true)]
public sealed class NativeMemoryCounters;

/// <summary>A refused import frees the network it had built before it found the problem.</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed class ImporterLeakTests
{
    [Theory]
    [MemberData(nameof(ImporterRefusalTests.Refusals), MemberType = typeof(ImporterRefusalTests))]
    public void ARefusedImportLeavesNoNativeMemoryBehind(string damage, string message)
    {
        byte[] bytes = ImporterRefusalTests.Damaged(damage);
        SettleFinalizers();
        long blocks = NativeMemoryStatistics.LiveBlocks, live = NativeMemoryStatistics.LiveBytes;
        Assert.Contains(message, Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(bytes, "damaged.onnx")).Message);
        Assert.Equal((blocks, live), (NativeMemoryStatistics.LiveBlocks, NativeMemoryStatistics.LiveBytes));
    }

    // Buffers that earlier tests dropped without Dispose are freed by their finalizers whenever a GC runs; let those
    // run now, so that the counters move only with what the import does.
    private static void SettleFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
