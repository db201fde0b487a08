using Nn.Checkpoints;
using Nn.Native.Memory;
using Xunit;

namespace Nn.Model.Tests.Checkpoints;

/// <summary>Tests that read the process-wide native memory counters run alone, so no other test allocates meanwhile.</summary>
[CollectionDefinition(nameof(NativeMemoryCounters), DisableParallelization = true)]
public sealed class NativeMemoryCounters;

/// <summary>A refused checkpoint frees what the reader had allocated before it found the problem.</summary>
[Collection(nameof(NativeMemoryCounters))]
public sealed class CheckpointLeakTests
{
    [Theory]
    [MemberData(nameof(CheckpointFieldTests.Forgeries), MemberType = typeof(CheckpointFieldTests))]
    public void ARefusedFileLeavesNoNativeMemoryBehind(string forgery, string message)
    {
        byte[] bytes = CheckpointFieldTests.Forged(forgery).Bytes();
        if (forgery == "short") bytes = bytes[..40];
        // Blocks as well as bytes: the model's input buffer used to be an empty block made by its constructor, and a
        // refused file left it to the finalizer.
        SettleFinalizers();
        long blocks = NativeMemoryStatistics.LiveBlocks, live = NativeMemoryStatistics.LiveBytes;
        // The network (and for training forgeries the optimizer moments) exist by the time most of these are found.
        Assert.Contains(message, Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(bytes, "forged.nnck")).Message);
        Assert.Equal((blocks, live), (NativeMemoryStatistics.LiveBlocks, NativeMemoryStatistics.LiveBytes));
    }

    [Fact]
    public void LoadingOnlyTheModelFreesTheTrainingStateInTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nn-leak-{Guid.NewGuid():N}.nnck");
        File.WriteAllBytes(path, new CheckpointFieldTests.File().Bytes());
        try
        {
            SettleFinalizers();
            long blocks = NativeMemoryStatistics.LiveBlocks;
            using (TrainedModel<float> model = Checkpoint.LoadModel<float>(path))
            {
                Assert.Equal(6, model.Network.ParameterCount);
            }
            Assert.Equal(blocks, NativeMemoryStatistics.LiveBlocks);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Buffers that earlier tests dropped without Dispose are freed by their finalizers whenever a GC runs; let those
    // run now, so that the counters move only with what the load does.
    private static void SettleFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
