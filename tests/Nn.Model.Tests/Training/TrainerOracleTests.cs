using Nn.Data;
using Nn.Training;
using Xunit;
using Monitor = Nn.Training.Monitor;

namespace Nn.Model.Tests.Training;

/// <summary>What Trainer.Fit does with schedules, warm-up and early stopping, checked against values computed here.</summary>
public sealed class TrainerOracleTests
{
    private sealed class Recorder : TrainingCallback
    {
        public List<BatchRecord> Batches { get; } = [];

        public List<double[]> Weights { get; } = [];

        public Network<double>? Network { get; init; }

        public override void OnBatchEnd(BatchRecord batch) => Batches.Add(batch);

        public override void OnEpochEnd(EpochRecord epoch)
        {
            if (Network is not null) Weights.Add(Network.Parameters.ToArray());
        }
    }

    [Fact]
    public void ScheduleAndWarmUpSetEveryStepsRateInsideFit()
    {
        using DataSet<double> data = Synthetic.Blobs<double>(40, seed: 1);
        using var network = new Network<double>(new Sequential(new Dense(2, 2), new Softmax()), new NetworkOptions { Seed = 1 });
        var recorder = new Recorder();
        Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.2), Epochs = 4, BatchSize = 10, Seed = 3,
            Schedule = LearningRateSchedule.StepDecay(2, 0.5).WithWarmUp(6), Callbacks = [recorder],
        });
        Assert.Equal(16, recorder.Batches.Count);   // 4 epochs × 4 batches
        for (int i = 0; i < recorder.Batches.Count; i++)
        {
            BatchRecord b = recorder.Batches[i];
            double expected = 0.2 * Math.Pow(0.5, (b.Epoch - 1) / 2) * Math.Min(1.0, (i + 1.0) / 6);   // warm-up over the first 6 steps
            Assert.Equal(i + 1, b.Iteration);
            Assert.Equal(expected, b.LearningRate, 15);
        }
    }

    public static TheoryData<Monitor, bool> Monitors => new()
    {
        { Monitor.ValidationLoss, true }, { Monitor.ValidationAccuracy, true }, { Monitor.TrainingLoss, true }, { Monitor.ValidationLoss, false },
    };

    [Theory]
    [MemberData(nameof(Monitors))]
    public void EarlyStoppingFollowsItsMonitorAndRestoresOrKeepsTheWeights(Monitor monitor, bool restore)
    {
        using DataSet<double> train = Synthetic.Moons<double>(120, seed: 2, noise: 0.3), validation = Synthetic.Moons<double>(60, seed: 9, noise: 0.3);
        using var network = new Network<double>(new Sequential(new Dense(2, 32), new Relu(), new Dense(32, 2), new Softmax()), new NetworkOptions { Seed = 3 });
        var recorder = new Recorder { Network = network };
        var early = new EarlyStopping { Monitor = monitor, Patience = 2, RestoreBestWeights = restore, MinDelta = 1e-4 };
        History history = Trainer.Fit(network, train, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(0.05), Epochs = 60, BatchSize = 8, Seed = 4, EarlyStopping = early, Callbacks = [recorder],
        }, validation);

        // The best epoch, recomputed from the records with the same rule (lower loss or higher accuracy by more than MinDelta).
        double Metric(EpochRecord e) => monitor switch
        {
            Monitor.ValidationLoss => e.ValidationLoss!.Value,
            Monitor.ValidationAccuracy => -e.ValidationAccuracy!.Value,
            _ => e.TrainingLoss,
        };
        int best = 1, since = 0, stoppedAt = history.Epochs.Count;
        double bestMetric = Metric(history.Epochs[0]);
        for (int e = 2; e <= history.Epochs.Count; e++)
        {
            if (Metric(history.Epochs[e - 1]) < bestMetric - 1e-4)
            {
                (best, bestMetric, since) = (e, Metric(history.Epochs[e - 1]), 0);
            }
            else if (++since > 2)
            {
                stoppedAt = e;
                break;
            }
        }
        Assert.Equal(stoppedAt, history.Epochs.Count);
        Assert.Equal(best, history.BestEpoch);
        double[] expected = restore ? recorder.Weights[best - 1] : recorder.Weights[^1];
        Assert.Equal(expected, network.Parameters.ToArray());
        Assert.Equal(StopReason.EarlyStopping, history.StopReason);   // the run really stopped early, so both restore paths are exercised
    }
}
