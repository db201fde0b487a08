using Nn.Export.Onnx;
using Nn.Native.Memory;
using Nn.Testing;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>A refused import frees the network it had built before it found the problem.</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed class ImporterLeakTests
{
    [Theory]
    [MemberData(nameof(ImporterRefusalTests.Refusals), MemberType = typeof(ImporterRefusalTests))]
    public void ARefusedImportLeavesNoNativeMemoryBehind(string damage, string message)
    {
        byte[] bytes = ImporterRefusalTests.Damaged(damage);
        NativeMemoryCounters.SettleFinalizers();
        long blocks = NativeMemoryStatistics.LiveBlocks, live = NativeMemoryStatistics.LiveBytes;
        Assert.Contains(message, Assert.Throws<OnnxImportException>(() => OnnxImporter.Load<float>(bytes, "damaged.onnx")).Message);
        Assert.Equal((blocks, live), (NativeMemoryStatistics.LiveBlocks, NativeMemoryStatistics.LiveBytes));
    }
}
