using Nn.Checkpoints;
using Nn.Native.Memory;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests.Checkpoints;

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
        NativeMemoryCounters.SettleFinalizers();
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
            NativeMemoryCounters.SettleFinalizers();
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
}
