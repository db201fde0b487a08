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
            Assert.Contains("Rank 2's training data (162×8, SHA-256", error.Message);
        });
    }

    [Fact]
    public void RanksWhoseLabelsDifferAllRefuse()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> same = Data();
            float[] features = same.Features.ToArray();
            int[] labels = same.Labels.ToArray();
            if (group.Rank == 1) labels[17] = (labels[17] + 1) % 3;   // the same images, one label changed
            using DataSet<float> data = DataSet.FromClassification<float>(features, 8, labels);
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            // No validation split: a stratified split would move images too, and the features alone would differ.
            return Trainer.Fit(network, data, Options(group) with { ValidationSplit = 0 });
        });
        Assert.All(results, r => Assert.Contains("Rank 1's training data", Assert.IsType<DistributedTrainingException>(r.Error).Message));
    }

    [Fact]
    public void ReplicasThatDriftApartAreCaughtAtTheEndOfTheEpoch()
    {
        // Rank 1's all-reduce returns slightly different sums, as a faulty network or library might.
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            return Trainer.Fit(network, data, Options(group.Rank == 1 ? new Drifting(group) : group) with { Epochs = 2 });
        });
        Assert.All(results, r => Assert.Contains("After epoch 1, rank 1's weights differ from rank 0's", Assert.IsType<DistributedTrainingException>(r.Error).Message));
        Assert.All(results, r => Assert.EndsWith("…): the all-reduce did not give every rank the same sums.", r.Error!.Message));
    }

    [Fact]
    public void ReplicaCheckNeedsAGroup() =>
        Assert.Throws<ArgumentNullException>(() => Replicas.CheckIdentical<float>(null!, [1f], "now"));

    [Fact]
    public void DoubleNetworksTrainDataParallelToo()
    {
        (List<double> Steps, double[] Weights) Run(ICommunicator? group)
        {
            using DataSet<double> data = Synthetic.Blobs<double>(Samples, seed: 5, classes: 3, features: 8, spread: 1.5);
            using var network = new Network<double>(Architecture, new NetworkOptions { Seed = 1 });
            var steps = new StepRecorder();
            Trainer.Fit(network, data, Options(group, [steps]) with { Epochs = 3 });
            return (steps.Losses, network.Parameters.ToArray());
        }
        var single = Run(null);
        var results = ThreadGroup.Run(3, group => Run(group));
        Assert.All(results, r => Assert.Null(r.Error));
        double worst = single.Steps.Zip(results[0].Result.Steps, (a, b) => Math.Abs(a - b) / Math.Abs(a)).Max();
        output.WriteLine($"double, 3 ranks: worst relative step-loss difference {worst:E2}");
        Assert.True(worst <= 1e-12, $"{worst:E2}");
        Assert.Equal(results[0].Result.Weights, results[2].Result.Weights);
    }

    [Fact]
    public void EveryKindOfMismatchIsNamed()
    {
        // Rank 1 differs from rank 0 in one respect per case; every rank must refuse and name it.
        (string Expected, Func<ICommunicator, History> Run)[] cases =
        [
            ("Rank 1's network", group =>
            {
                using DataSet<float> data = Data();
                var architecture = group.Rank == 0 ? Architecture : new Sequential(new Dense(8, 17), new Relu(), new Dense(17, 3), new Softmax());
                using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
                return Trainer.Fit(network, data, Options(group));
            }),
            ("Rank 1's validation data", group =>
            {
                using DataSet<float> data = Data();
                using DataSet<float> held = Synthetic.Blobs<float>(30, seed: 10 + group.Rank, classes: 3, features: 8);
                using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
                return Trainer.Fit(network, data, Options(group) with { ValidationSplit = 0 }, held);
            }),
            ("Rank 1's validation data (30×8, SHA-256", group =>   // ... differs from rank 0's (none)
            {
                using DataSet<float> data = Data();
                using DataSet<float> held = Synthetic.Blobs<float>(30, seed: 10, classes: 3, features: 8);
                using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
                return Trainer.Fit(network, data, Options(group) with { ValidationSplit = 0 }, group.Rank == 0 ? null : held);
            }),
            ("Rank 1's training state (epoch 1,", group =>
            {
                using DataSet<float> data = Data();
                using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
                using var state = new TrainingState<float>(Options(), network.ParameterCount);
                if (group.Rank == 1) Trainer.Fit(network, data, Options() with { Epochs = 1 }, state);   // rank 1 resumes after one epoch
                return Trainer.Fit(network, data, Options(group), state);
            }),
        ];
        foreach ((string expected, Func<ICommunicator, History> run) in cases)
        {
            var results = ThreadGroup.Run(2, run);
            Assert.All(results, r =>
            {
                string message = Assert.IsType<DistributedTrainingException>(r.Error).Message;
                Assert.Contains(expected, message);
                if (expected.Contains("(30×8", StringComparison.Ordinal)) Assert.Contains("differs from rank 0's (none)", message);
                Assert.Contains("must load the same data and use the same network, options, element type and BLAS provider", message);
            });
        }
    }

    [Fact]
    public void RanksOfDifferentElementTypesRefuse()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            if (group.Rank == 0)
            {
                using DataSet<float> single = Data();
                using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
                return Trainer.Fit(network, single, Options(group));
            }
            using DataSet<double> data = Synthetic.Blobs<double>(Samples, seed: 5, classes: 3, features: 8, spread: 1.5);
            using var wide = new Network<double>(Architecture, new NetworkOptions { Seed = 1 });
            return Trainer.Fit(wide, data, Options(group));
        });
        Assert.All(results, r => Assert.Contains("Rank 1's element type (Double) differs from rank 0's (Single)", Assert.IsType<DistributedTrainingException>(r.Error).Message));
    }

    [Fact]
    public void RankZerosOptimizerMomentsAndBestWeightsAreCopiedToTheOthers()
    {
        // Every rank resumes from "the same" state, but rank 1's moments and remembered best weights are off. After the
        // copy from rank 0 the replicas agree, also when early stopping puts the remembered best weights back at the end.
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            TrainingOptions options = Options() with { EarlyStopping = new EarlyStopping { Monitor = Nn.Training.Monitor.TrainingLoss, Patience = 1 } };
            using var state = new TrainingState<float>(options, network.ParameterCount);
            Trainer.Fit(network, data, options with { Epochs = 1 }, state);
            state.BestMetric = -1;   // unbeatable: the remembered weights of epoch 1 come back when training stops
            if (group.Rank == 1)
            {
                state.OptimizerState.Moment(0).Fill(0.5f);
                state.BestWeights.Span.Fill(0.25f);
            }
            Trainer.Fit(network, data, options with { Communicator = group, Epochs = 4 }, state);
            return network.Parameters.ToArray();
        });
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(results[0].Result, results[1].Result);
        Assert.DoesNotContain(0.25f, results[1].Result!);
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

    [Theory]
    [InlineData("gradient")]
    [InlineData("cost")]
    public void AnOverflowInTheCostOrInAGradientAloneStopsEveryRank(string kind)
    {
        var results = ThreadGroup.Run(2, group =>
        {
            (DataSet<double> data, double[] start, _) = TrainerContractTests.OneSidedOverflow(kind);
            using (data)
            {
                using var network = new Network<double>(new Sequential(new Dense(1, 1)), new NetworkOptions { Seed = 1 });
                start.CopyTo(network.Parameters);
                var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, new TrainingOptions
                {
                    Loss = new MeanSquaredError(), Optimizer = new GradientDescent(0.1), Epochs = 2, BatchSize = 2, ValidationSplit = 0,
                    Communicator = group,
                }));
                Assert.Equal(start, network.Parameters.ToArray());
                return (error.Epoch, error.Batch, error.Location);
            }
        });
        Assert.All(results, r => Assert.Null(r.Error));
        // Each rank holds one of the two rows; the location is named by the rank's own network, the loss by the group's.
        Assert.All(results, r => Assert.Equal((1, 1), (r.Result.Epoch, r.Result.Batch)));
        Assert.All(results, r => Assert.Equal(kind == "gradient" ? "layer 1 gradients" : "loss", r.Result.Location));
    }

    [Fact]
    public void ProgressIsReportedOnRankZeroOnly()
    {
        var results = ThreadGroup.Run(2, group =>
        {
            using DataSet<float> data = Data();
            using var network = new Network<float>(Architecture, new NetworkOptions { Seed = 1 });
            var reports = new List<EpochRecord>();
            Trainer.Fit(network, data, Options(group) with { Epochs = 3, Progress = new Recorder(reports) });
            return reports;
        });
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal([1, 2, 3], results[0].Result!.Select(e => e.Epoch));
        Assert.Empty(results[1].Result!);
    }

    private sealed class Recorder(List<EpochRecord> reports) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => reports.Add(value); // synchronous, unlike Progress<T>
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

    /// <summary>A rank whose all-reduce adds 1e-3 to the first sum: its replica drifts from the others.</summary>
    private sealed class Drifting(ICommunicator inner) : ICommunicator
    {
        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public string Description => inner.Description;

        public void AllReduceSum(Span<float> values)
        {
            inner.AllReduceSum(values);
            values[0] += 1e-3f;
        }

        public void AllReduceSum(Span<double> values) => inner.AllReduceSum(values);

        public void Broadcast(Span<byte> data, int root) => inner.Broadcast(data, root);

        public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all) => inner.AllGather(mine, all);

        public void Barrier() => inner.Barrier();

        public void Abort(int exitCode) => inner.Abort(exitCode);
    }

    private sealed class StepRecorder : TrainingCallback
    {
        public List<double> Losses { get; } = [];

        public override void OnBatchEnd(BatchRecord batch) => Losses.Add(batch.Loss);
    }
}
