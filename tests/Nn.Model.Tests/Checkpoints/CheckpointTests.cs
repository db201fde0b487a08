using System.Security.Cryptography;
using Nn.Checkpoints;
using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Checkpoints;

/// <summary>Round trips, resume bit for bit, atomic saves, and the errors a damaged file gets.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    internal static TrainedModel<T> Model<T>(int seed = 5) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var network = new Network<T>(new Sequential(new Dense(6, 9), new LeakyRelu(0.2), new Dense(9, 4), new Tanh(), new Dense(4, 3), new Softmax()),
            new NetworkOptions { Seed = seed });
        var scaler = FeatureScaler.FromParameters(ScalingKind.Standard, [1, 2, 0.5, 1, 1, 3], [0, -1, 0.25, 0, 2, 0]);
        return new TrainedModel<T>(network, scaler, ["setosa", "versicolor", "virginica"], "a test model");
    }

    [Fact]
    public void FloatAndDoubleModelsRoundTripExactly()
    {
        RoundTrip<float>();
        RoundTrip<double>();
    }

    private void RoundTrip<T>() where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using TrainedModel<T> model = Model<T>();
        string path = Path.Combine(_folder, $"model-{typeof(T).Name}.nnck");
        Checkpoint.Save(path, model);
        using TrainedModel<T> loaded = Checkpoint.LoadModel<T>(path);
        Assert.Equal(model.Network.Parameters.ToArray(), loaded.Network.Parameters.ToArray());
        Assert.Equal(model.Network.Architecture.ToString(), loaded.Network.Architecture.ToString());
        Assert.Equal(0.2, ((LeakyRelu)loaded.Network.Architecture.Blocks[0].Activation).NegativeSlope);
        Assert.Equal(model.Scaler.Scale, loaded.Scaler.Scale);
        Assert.Equal(model.Scaler.Shift, loaded.Scaler.Shift);
        Assert.Equal(ScalingKind.Standard, loaded.Scaler.Kind);
        Assert.Equal(model.ClassNames, loaded.ClassNames);
        Assert.Equal("a test model", loaded.Summary);
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp"));
    }

    [Fact]
    public void TrainingFiveSavingAndFiveMoreEqualsTenStraight()
    {
        foreach (Optimizer optimizer in new Optimizer[] { new Adam(3e-3), new GradientDescent(0.05, 0.9, nesterov: true), new RmsProp(1e-3), new Adagrad(0.05), new AdamW(3e-3, 0.05) })
        {
            using DataSet<double> data = Synthetic.Blobs<double>(120, seed: 4, classes: 3, spread: 1.5);
            var options = new TrainingOptions
            {
                Loss = new CategoricalCrossEntropy(), Optimizer = optimizer, Epochs = 10, BatchSize = 16, L2 = 1e-3, Seed = 9, ValidationSplit = 0.2,
                Schedule = LearningRateSchedule.Cosine(10).WithWarmUp(20),
                EarlyStopping = new EarlyStopping { Patience = 100, RestoreBestWeights = true },
            };
            using var straight = new Network<double>(new Sequential(new Dense(2, 16), new Relu(), new Dense(16, 3), new Softmax()), new NetworkOptions { Seed = 2 });
            History full = Trainer.Fit(straight, data, options);

            using var first = new Network<double>(new Sequential(new Dense(2, 16), new Relu(), new Dense(16, 3), new Softmax()), new NetworkOptions { Seed = 2 });
            byte[] saved;
            using (var state = new TrainingState<double>(options, first.ParameterCount))
            {
                Trainer.Fit(first, data, options with { Epochs = 5 }, state);
                Assert.Equal(5, state.Epoch);
                using var partial = new TrainedModel<double>(first);
                saved = Checkpoint.ToBytes(partial, state);
            }

            (TrainedModel<double> resumed, TrainingState<double>? loadedState) = Checkpoint.Load<double>(saved, "resume");
            using (resumed)
            using (loadedState)
            {
                Assert.NotNull(loadedState);
                History rest = Trainer.Fit(resumed.Network, data, options, loadedState);
                Assert.Equal(straight.Parameters.ToArray(), resumed.Network.Parameters.ToArray());
                Assert.Equal(10, rest.Epochs.Count);
                Assert.Equal(full.Epochs.Select(e => e.TrainingLoss), rest.Epochs.Select(e => e.TrainingLoss));
                Assert.Equal(full.BestEpoch, rest.BestEpoch);
            }
        }
    }

    [Fact]
    public void ResumingWithAnotherObjectiveOrShuffleIsRefused()
    {
        using DataSet<float> data = Synthetic.Blobs<float>(60, seed: 1, classes: 3);
        var options = new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 2, BatchSize = 8, Seed = 3 };
        using var network = new Network<float>(new Sequential(new Dense(2, 4), new Relu(), new Dense(4, 3), new Softmax()));
        using var state = new TrainingState<float>(options, network.ParameterCount);
        Trainer.Fit(network, data, options, state);
        Assert.Contains("seed 3", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, options with { Seed = 4, Epochs = 3 }, state)).Message);
        Assert.Contains("Adam moments", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, options with { Optimizer = new RmsProp(), Epochs = 3 }, state)).Message);
        Assert.Contains("L2", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, options with { L2 = 1, Epochs = 3 }, state)).Message);
    }

    [Fact]
    public void SavingReplacesTheOldFileWholeAndNeverLeavesTemporaries()
    {
        string path = Path.Combine(_folder, "model.nnck");
        using TrainedModel<float> a = Model<float>(1), b = Model<float>(2);
        Checkpoint.Save(path, a);
        Checkpoint.Save(path, b);
        using TrainedModel<float> loaded = Checkpoint.LoadModel<float>(path);
        Assert.Equal(b.Network.Parameters.ToArray(), loaded.Network.Parameters.ToArray());
        Assert.Single(Directory.GetFiles(_folder));

        string missing = Path.Combine(_folder, "no-such-folder", "model.nnck");
        Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save(missing, a));
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "magic", "checkpoint magic" }, { "version", "format version 9" }, { "truncate", "announces a" }, { "flip", "checksum does not match" },
        { "elements", "element size is 3" }, { "empty", "shorter than any checkpoint" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void DamagedFilesAreRefusedNamingTheFileAndTheProblem(string damage, string message)
    {
        using TrainedModel<float> model = Model<float>();
        byte[] bytes = Checkpoint.ToBytes(model);
        bytes = damage switch
        {
            "magic" => [.. "PK"u8, .. bytes.AsSpan(2)],
            "version" => Set(bytes, 8, 9),
            "truncate" => bytes[..^10],
            "flip" => Set(bytes, bytes.Length / 2, (byte)(bytes[bytes.Length / 2] ^ 0x10)),
            "elements" => Set(bytes, 10, 3),
            _ => [],
        };
        string path = Path.Combine(_folder, "damaged.nnck");
        File.WriteAllBytes(path, bytes);
        CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel<float>(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void PrecisionIsKeptAndAMismatchIsExplained()
    {
        using TrainedModel<double> model = Model<double>();
        byte[] bytes = Checkpoint.ToBytes(model);
        Assert.Equal(typeof(double), Checkpoint.ElementTypeOf(bytes, "x"));
        CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(bytes, "wide.nnck"));
        Assert.Contains("holds double parameters", error.Message);
    }

    [Fact]
    public void AForgedSizeWithAValidChecksumFailsWithoutAHugeAllocation()
    {
        using TrainedModel<float> model = Model<float>();
        byte[] bytes = Checkpoint.ToBytes(model);
        // The first layer's input count sits after the summary and provenance strings; forge a 1,000,000-wide layer.
        int summaryLength = BitConverter.ToInt32(bytes, 20);
        int provenanceAt = 24 + summaryLength;
        int provenanceLength = BitConverter.ToInt32(bytes, provenanceAt);
        int firstLayer = provenanceAt + 4 + provenanceLength + 4;
        BitConverter.TryWriteBytes(bytes.AsSpan(firstLayer), 1_000_000);
        BitConverter.TryWriteBytes(bytes.AsSpan(firstLayer + 4), 1_000_000);
        Reseal(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(bytes, "forged.nnck"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "a forged size allocated more than 1 MiB");
        Assert.Contains("forged.nnck", error.Message);
    }

    [Fact]
    public void RandomMutationsTruncationsAndForgedLengthsOnlyRaiseCheckpointException()
    {
        int cases = FuzzCases.Count(300);
        using TrainedModel<float> model = Model<float>();
        using var state = new TrainingState<float>(new TrainingOptions { Loss = new CategoricalCrossEntropy() }, model.Network.ParameterCount);
        byte[] original = Checkpoint.ToBytes(model, state);
        var random = new Random(12345);
        int accepted = 0;
        for (int i = 0; i < cases; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            switch (i % 4)
            {
                case 0:
                    bytes = bytes[..random.Next(bytes.Length)];
                    break;
                case 1:
                    for (int m = random.Next(1, 4); m > 0; m--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                default:
                    // Past the checksum: mutate the payload (often a length field) and reseal, so the decoder's own checks run.
                    int at = CheckpointFormatOffsets.PayloadStart + random.Next(bytes.Length - CheckpointFormatOffsets.PayloadStart - 32);
                    int value = random.Next(3) switch { 0 => -1, 1 => int.MaxValue, _ => random.Next(1 << 20) };
                    BitConverter.TryWriteBytes(bytes.AsSpan(at, Math.Min(4, bytes.Length - 32 - at)), value);
                    Reseal(bytes);
                    break;
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                (TrainedModel<float> m, TrainingState<float>? s) = Checkpoint.Load<float>(bytes, "fuzz");
                m.Dispose();
                s?.Dispose();
                accepted++;
            }
            catch (CheckpointException)
            {
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * original.Length + (1 << 20), $"case {i}: {allocated} bytes allocated for a {bytes.Length}-byte file");
        }
        Assert.True(accepted < cases);
    }

    internal static byte[] Set(byte[] bytes, int index, byte value)
    {
        bytes[index] = value;
        return bytes;
    }

    internal static void Reseal(byte[] bytes) => SHA256.HashData(bytes.AsSpan(0, bytes.Length - 32), bytes.AsSpan(bytes.Length - 32));

    private static class CheckpointFormatOffsets
    {
        public const int PayloadStart = 20;
    }
}
