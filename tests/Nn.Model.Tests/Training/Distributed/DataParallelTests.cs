using Nn.Checkpoints;
using Nn.Data;
using Nn.Native.Distributed;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training.Distributed;

/// <summary>
/// Data-parallel Trainer.Fit on ranks that are threads (<see cref="ThreadGroup"/>): the same maths and the same decisions as a
/// single process. The same checks over real MPI processes are in Nn.Cli.Tests (MpiTrainingTests).
/// </summary>
public sealed class DataParallelTests(ITestOutputHelper output)
{
    // 203 samples in batches of 20: ten full batches and a last one of 3, fewer rows than 4 ranks.
    private const int Samples = 203, Batch = 20, Epochs = 12;
    private static readonly Sequential Architecture = new(new Dense(8, 16), new Relu(), new Dense(16, 3), new Softmax());

    private static TrainingOptions Options(ICommunicator? group = null, IReadOnlyList<TrainingCallback>? callbacks = null) => new()
    {
        Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(3e-3), Epochs = Epochs, BatchSize = Batch, L2 = 1e-2, Seed = 3,
        ValidationSplit = 0.2, Communicator = group, Callbacks = callbacks ?? [],
    };

    private static DataSet<float> Data() => Synthetic.Blobs<float>(Samples, seed: 5, classes: 3, features: 8, spread: 1.5);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EveryStepMatchesTheSingleProcessRunAndReplicasStayBitIdentical(int ranks)
    {
        (List<double> steps, History history, float[] weights) single = Train(null, seed: 1);
        var results = ThreadGroup.Run(ranks, group => Train(group, seed: 1));
        Assert.All(results, r => Assert.Null(r.Error));

        var (steps, history, weights) = results[0].Result;
        // 203 × 0.8 = 162 training rows: 9 batches an epoch, the last of 2 rows, so with 3 or 4 ranks some ranks get none.
        Assert.Equal(Epochs * 9, single.steps.Count);
        Assert.Equal(single.steps.Count, steps.Count);
        double worst = single.steps.Zip(steps, (a, b) => Math.Abs(a - b) / Math.Abs(a)).Max();
        output.WriteLine($"{ranks} ranks: {steps.Count} steps, worst relative difference of the step loss {worst:E2}");
        Assert.True(worst <= 1e-5, $"step losses differ by {worst:E2} relative");
        for (int e = 0; e < Epochs; e++)
        {
            Assert.Equal(single.history.Epochs[e].ValidationLoss!.Value, history.Epochs[e].ValidationLoss!.Value, 1e-5);
            Assert.Equal(single.history.Epochs[e].TrainingAccuracy, history.Epochs[e].TrainingAccuracy);
            Assert.Equal(single.history.Epochs[e].ValidationAccuracy, history.Epochs[e].ValidationAccuracy);
        }
        for (int r = 1; r < ranks; r++) Assert.Equal(weights, results[r].Result.weights);
        Assert.Empty(results.Skip(1).SelectMany(r => r.Result.steps));   // callbacks run on rank 0 only
        Assert.True(history.Communication > TimeSpan.Zero);
    }

    [Fact]
    public void RankZeroWeightsAreCopiedToRanksThatInitialisedDifferently()
    {
        var results = ThreadGroup.Run(3, group => Train(group, seed: 1 + group.Rank));
        Assert.All(results, r => Assert.Null(r.Error));
        (List<double> steps, _, _) = Train(null, seed: 1);
        Assert.Equal(steps[0], results[0].Result.steps[0], 1e-6);
        Assert.Equal(results[0].Result.weights, results[2].Result.weights);
    }

    [Fact]
    public void RanksWithDifferentDataAllRefuseAndNameTheRankAndTheData()
    {
        var results = ThreadGroup.Run(3, group =>
        {
            using DataSet<float> data = group.Rank == 2 ? Synthetic.Blobs<float>(Samples, seed: 6, classes: 3, features: 8, spread: 1.5) : Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            return Trainer.Fit(network, data, Options(group));
        });
        Assert.All(results, r =>
        {
            var error = Assert.IsType<DistributedTrainingException>(r.Error);
            Assert.Contains("Rank 2's training data", error.Message);
        });
    }

    [Fact]
    public void RanksWithDifferentOptionsAllRefuse()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            return Trainer.Fit(network, data, Options(group) with { BatchSize = group.Rank == 0 ? 20 : 21 });
        });
        Assert.All(results, r => Assert.Contains("Rank 1's training options", Assert.IsType<DistributedTrainingException>(r.Error).Message));
    }

    [Fact]
    public void RanksWithDifferentBlasProvidersAllRefuse()
    {
        Nn.Native.BlasProvider openBlas = Nn.Testing.ProviderAvailability.Require(Nn.Native.BlasProviderKind.OpenBlas);
        Nn.Native.BlasProvider managed = Nn.Testing.ProviderAvailability.Require(Nn.Native.BlasProviderKind.Managed);
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1, Provider = group.Rank == 0 ? managed : openBlas });
            return Trainer.Fit(network, data, Options(group));
        });
        Assert.All(results, r => Assert.Contains("Rank 1's BLAS provider (openblas) differs from rank 0's (managed)", Assert.IsType<DistributedTrainingException>(r.Error).Message));
    }

    [Fact]
    public void DivergenceEndsEveryRankWithTheEpochStartWeights()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            float[] start = network.Parameters.ToArray();
            try
            {
                Trainer.Fit(network, data, Options(group) with { Optimizer = new GradientDescent(1e30), L2 = 0 });
                return false;
            }
            catch (TrainingDivergedException) when (network.Parameters.SequenceEqual(start))
            {
                return true;
            }
        });
        Assert.All(results, r => Assert.True(r.Result, r.Error?.ToString() ?? "did not diverge or did not restore"));
    }

    [Fact]
    public void CancellingOneRankStopsEveryRankAfterTheSameStep()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            using var cancel = new CancellationTokenSource();
            if (group.Rank == 1) cancel.Cancel();
            History history = Trainer.Fit(network, data, Options(group), cancellationToken: cancel.Token);
            return (history.StopReason, network.Parameters.ToArray());
        });
        Assert.All(results, r => Assert.Equal(StopReason.Cancelled, r.Result.StopReason));
        Assert.Equal(results[0].Result.Item2, results[1].Result.Item2);
    }

    [Fact]
    public void ADistributedCheckpointResumesInOneProcessAndViceVersa()
    {
        // Straight single-process run of 12 epochs (108 steps), as the reference.
        (List<double> straight, _, _) = Train(null, seed: 1);

        // 4 epochs on 2 ranks, checkpointed by rank 0, then 8 more in one process.
        var first = ThreadGroup.Run(2, group => TrainToBytes(group, epochs: 4, resumeFrom: null));
        byte[] distributedCheckpoint = first[0].Result!;
        (List<double> resumedAlone, _) = Resume(null, distributedCheckpoint);

        // 4 epochs in one process, then 8 more on 3 ranks.
        byte[] singleCheckpoint = TrainToBytes(null, epochs: 4, resumeFrom: null);
        var second = ThreadGroup.Run(3, group => Resume(group, singleCheckpoint));
        Assert.All(second, r => Assert.Null(r.Error));
        List<double> resumedDistributed = second[0].Result.Steps;

        List<double> tail = straight.Skip(4 * 9).ToList();
        Assert.Equal(tail.Count, resumedAlone.Count);
        Assert.Equal(tail.Count, resumedDistributed.Count);
        double worst = tail.Select((l, i) => Math.Max(Math.Abs(l - resumedAlone[i]), Math.Abs(l - resumedDistributed[i])) / Math.Abs(l)).Max();
        output.WriteLine($"resumed runs against the straight run: worst relative step-loss difference {worst:E2}");
        Assert.True(worst <= 1e-5, $"{worst:E2}");
        Assert.Equal(second[0].Result.Weights, second[2].Result.Weights);
    }

    private static (List<double> steps, History history, float[] weights) Train(ICommunicator? group, int seed)
    {
        using DataSet<float> data = Data();
        using var network = new Network<float>(Architecture, new NetworkOptions { Seed = seed });
        var steps = new StepRecorder();
        History history = Trainer.Fit(network, data, Options(group, [steps]));
        return (steps.Losses, history, network.Parameters.ToArray());
    }

    private static byte[] TrainToBytes(ICommunicator? group, int epochs, byte[]? resumeFrom)
    {
        using DataSet<float> data = Data();
        using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
        TrainingOptions options = Options(group) with { Epochs = epochs };
        using var state = new TrainingState<float>(options, network.ParameterCount);
        Trainer.Fit(network, data, options, state);
        var model = new TrainedModel<float>(network, classNames: data.ClassNames);
        return Checkpoint.ToBytes(model, state);
    }

    private static (List<double> Steps, float[] Weights) Resume(ICommunicator? group, byte[] checkpoint)
    {
        using DataSet<float> data = Data();
        (TrainedModel<float> model, TrainingState<float>? state) = Checkpoint.Load<float>(checkpoint, "checkpoint");
        using (model)
        using (state)
        {
            var steps = new StepRecorder();
            Trainer.Fit(model.Network, data, Options(group, [steps]), state!);
            return (steps.Losses, model.Network.Parameters.ToArray());
        }
    }

    private sealed class StepRecorder : TrainingCallback
    {
        public List<double> Losses { get; } = [];

        public override void OnBatchEnd(BatchRecord batch) => Losses.Add(batch.Loss);
    }
}
