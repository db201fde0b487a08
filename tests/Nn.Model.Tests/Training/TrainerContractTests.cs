using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// Trainer.Fit and Evaluate beyond "the loss goes down": every refused option and data set with its message, the
/// epoch and batch records against closed forms (a learning rate of 1e-300 keeps the weights exactly fixed, so the
/// epoch's loss is the evaluated loss plus the L2 term), the early-stopping and tolerance boundaries, the symmetry
/// warning, resuming on the same shuffle, and where divergence is reported.
/// </summary>
public sealed class TrainerContractTests
{
    private static readonly Optimizer Frozen = new GradientDescent(1e-300);

    private static DataSet<double> Blobs(int n = 10, int classes = 3) => Synthetic.Blobs<double>(n, seed: 7, classes: classes, features: 2, spread: 1.0);

    private static Network<double> Softmax(int classes = 3, int seed = 1) =>
        new(new Sequential(new Dense(2, 4), new Tanh(), new Dense(4, classes), new Softmax()), new NetworkOptions { Seed = seed });

    public static TheoryData<string, string> RefusedOptions() => new()
    {
        { "epochs 0", "Epochs must be at least 1." },
        { "batch 0", "BatchSize must be at least 1." },
        { "l2 -1", "L2 must be finite and non-negative." },
        { "l2 NaN", "L2 must be finite and non-negative." },
        { "split -0.1", "ValidationSplit must be in [0, 1)." },
        { "split 1", "ValidationSplit must be in [0, 1)." },
        { "split NaN", "ValidationSplit must be in [0, 1)." },
        { "tolerance 0", "Tolerance must be positive." },
        { "tolerance NaN", "Tolerance must be positive." },
        { "patience -1", "Patience must be non-negative." },
    };

    [Theory]
    [MemberData(nameof(RefusedOptions))]
    public void OutOfRangeOptionsAreRefusedBeforeTraining(string change, string message)
    {
        using DataSet<double> data = Blobs();
        using Network<double> network = Softmax();
        double[] before = network.Parameters.ToArray();
        var loss = new CategoricalCrossEntropy();
        TrainingOptions options = change switch
        {
            "epochs 0" => new() { Loss = loss, Epochs = 0 },
            "batch 0" => new() { Loss = loss, BatchSize = 0 },
            "l2 -1" => new() { Loss = loss, L2 = -1 },
            "l2 NaN" => new() { Loss = loss, L2 = double.NaN },
            "split -0.1" => new() { Loss = loss, ValidationSplit = -0.1 },
            "split 1" => new() { Loss = loss, ValidationSplit = 1 },
            "split NaN" => new() { Loss = loss, ValidationSplit = double.NaN },
            "tolerance 0" => new() { Loss = loss, Tolerance = 0 },
            "tolerance NaN" => new() { Loss = loss, Tolerance = double.NaN },
            _ => new() { Loss = loss, ValidationSplit = 0.2, EarlyStopping = new EarlyStopping { Patience = -1 } },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(network, data, options));
        Assert.Equal("options", error.ParamName);
        Assert.StartsWith(message, error.Message);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void BoundaryOptionsAreAccepted()
    {
        using DataSet<double> data = Blobs(20);
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        Trainer.Fit(network, data, new TrainingOptions { Loss = loss, Epochs = 1, BatchSize = 1, L2 = 0, ValidationSplit = 0 });
        Trainer.Fit(network, data, new TrainingOptions { Loss = loss, Epochs = 1, ValidationSplit = 0.5, EarlyStopping = new EarlyStopping { Patience = 0 } });
        Trainer.Fit(network, data, new TrainingOptions { Loss = loss, Epochs = 1, Tolerance = double.Epsilon });
    }

    [Fact]
    public void ConflictingOrMissingInputsAreNamed()
    {
        using DataSet<double> data = Blobs();
        using DataSet<double> regression = DataSet.FromRegression<double>([1, 2, 3, 4], 2, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], 3, source: "reg.csv");
        using DataSet<double> wide = Synthetic.Blobs<double>(6, seed: 1, classes: 3, features: 3);
        using DataSet<double> twoClasses = Blobs(6, classes: 2);
        using DataSet<double> empty = DataSet.FromClassification<double>([], 2, [], ["a", "b", "c"], source: "empty.csv");
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        var plain = new TrainingOptions { Loss = loss, Epochs = 1 };

        Assert.Equal("Give either explicit validation data or a ValidationSplit, not both.",
            Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, new TrainingOptions { Loss = loss, ValidationSplit = 0.2 }, data)).Message);
        Assert.StartsWith("Early stopping monitors ValidationLoss, but there is no validation data", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(network, data, new TrainingOptions { Loss = loss, EarlyStopping = new EarlyStopping { Monitor = Nn.Training.Monitor.ValidationLoss } })).Message);
        Assert.Equal("Early stopping on validation accuracy needs a classification data set.", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(Linear(3), regression, new TrainingOptions { Loss = new MeanSquaredError(), ValidationSplit = 0.5, EarlyStopping = new EarlyStopping { Monitor = Nn.Training.Monitor.ValidationAccuracy } })).Message);
        Assert.StartsWith("The training data (empty.csv) is empty.", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, empty, plain)).Message);
        Assert.Contains("has 3 features but the network takes 2 inputs", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, wide, plain)).Message);
        Assert.Contains("The training data", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, twoClasses, plain)).Message);
        Assert.Contains("has 2 targets per sample but the network has 3 outputs", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, twoClasses, plain)).Message);
        Assert.StartsWith("The validation data", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, plain, twoClasses)).Message);
        Assert.StartsWith("The validation data", Assert.Throws<ArgumentException>(() => Trainer.Fit(network, data, plain, wide)).Message);
        Assert.Contains("CategoricalCrossEntropy needs a Softmax", Assert.Throws<ArgumentException>(() =>
            Trainer.Fit(Linear(3), regression, new TrainingOptions { Loss = loss, Epochs = 1 })).Message);
        Assert.Throws<InvalidOperationException>(() => Trainer.Fit(
            new Network<double>(new Sequential(new Dense(2, 3), new Step(), new Dense(3, 3), new Softmax())), data, plain));
        Assert.StartsWith("The data (", Assert.Throws<ArgumentException>(() => Trainer.Evaluate(network, twoClasses, loss)).Message);

        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(null!, data, plain));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, null!, plain));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, null!));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, plain, (TrainingState<double>)null!));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, new TrainingOptions { Loss = null! }));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, new TrainingOptions { Loss = loss, Optimizer = null! }));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, new TrainingOptions { Loss = loss, Schedule = null! }));
        Assert.Throws<ArgumentNullException>(() => Trainer.Evaluate(null!, data, loss));
        Assert.Throws<ArgumentNullException>(() => Trainer.Evaluate(network, null!, loss));
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Evaluate(network, data, loss, batchSize: 0)).ParamName);

        // Targets are checked against the loss for both data sets, naming which.
        using DataSet<double> soft = DataSet.FromRegression<double>([1, 2, 3, 4], 2, [0.5, 0.5, 0.5, 1, 0, 0], 3, source: "soft.csv");
        Assert.StartsWith("Target row 1 of the training data (soft.csv)", Assert.Throws<ArgumentException>(() => Trainer.Fit(Softmax(), soft, plain)).Message);
        Assert.StartsWith("Target row 1 of the validation data (soft.csv)", Assert.Throws<ArgumentException>(() => Trainer.Fit(Softmax(), data, plain, soft)).Message);
    }

    private static Network<double> Linear(int outputs) => new(new Sequential(new Dense(2, outputs)));

    [Fact]
    public void EpochRecordsMatchTheirClosedForms()
    {
        using DataSet<double> data = Blobs(10);
        using DataSet<double> validation = Blobs(7);
        using Network<double> network = Softmax(seed: 2);
        var loss = new CategoricalCrossEntropy();
        Evaluation onTraining = Trainer.Evaluate(network, data, loss, batchSize: 4);
        Evaluation onValidation = Trainer.Evaluate(network, validation, loss);
        double squares = network.Weights(0).ToArray().Concat(network.Weights(1).ToArray()).Sum(w => w * w);
        var batches = new List<BatchRecord>();
        var epochs = new List<EpochRecord>();
        // Batches of 3 over 10 rows: 3, 3, 3, 1, so each batch's L2 share (λ·count/n) differs.
        History history = Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = loss, Optimizer = Frozen, Epochs = 2, BatchSize = 3, L2 = 0.6, Seed = 3,
            Callbacks = [new Recorder(batches.Add, epochs.Add)],
        }, validation);

        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(history.Epochs, epochs);
        Assert.InRange(onTraining.Accuracy!.Value, 0.05, 0.95);   // neither 0 nor 1, so a count and a fraction differ
        foreach (EpochRecord epoch in history.Epochs)
        {
            Assert.Equal(onTraining.Loss + 0.6 / (2 * 10) * squares, epoch.TrainingLoss, 12);
            Assert.Equal(onTraining.Accuracy, epoch.TrainingAccuracy);
            Assert.Equal(onValidation.Loss, epoch.ValidationLoss!.Value, 12);
            Assert.Equal(onValidation.Accuracy, epoch.ValidationAccuracy);
            Assert.Equal(1e-300, epoch.LearningRate);
            Assert.InRange(epoch.WeightChange, 0, 1e-290);
        }
        Assert.Equal([1, 2, 3, 4, 1, 2, 3, 4], batches.Select(b => b.Batch));
        Assert.Equal([1, 1, 1, 1, 2, 2, 2, 2], batches.Select(b => b.Epoch));
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), batches.Select(b => b.Iteration));
        Assert.All(batches, b => Assert.Equal(1e-300, b.LearningRate));
        // Each epoch visits the rows in the order of Random(seed).Shuffle applied once per epoch so far.
        var random = new Random(3);
        int[] order = Enumerable.Range(0, 10).ToArray();
        for (int e = 0; e < 2; e++)
        {
            random.Shuffle(order);
            for (int b = 0; b < 4; b++)
            {
                int[] rows = order.Skip(b * 3).Take(3).ToArray();
                double[] x = rows.SelectMany(r => data.FeaturesOf(r).ToArray()).ToArray();
                double[] y = rows.SelectMany(r => data.Targets.Slice(r * 3, 3).ToArray()).ToArray();
                Assert.Equal(network.ComputeLoss(x, y, rows.Length, loss, 0.6 * rows.Length / 10), batches[e * 4 + b].Loss, 12);
            }
        }
        // The batch costs, weighted by batch size, make up the epoch's loss.
        double weighted = batches.Take(4).Select((b, i) => b.Loss * (i < 3 ? 3 : 1)).Sum() / 10;
        Assert.Equal(history.Epochs[0].TrainingLoss, weighted, 12);
        Assert.Equal(StopReason.MaxEpochs, history.StopReason);
        Assert.Empty(history.Warnings);
        Assert.Equal(TimeSpan.Zero, history.Communication);
    }

    [Fact]
    public void WeightChangeIsTheSumOfAbsoluteDifferencesOverTheEpoch()
    {
        using DataSet<double> data = Blobs(10);
        using Network<double> network = Softmax();
        double[] before = network.Parameters.ToArray();
        History history = Trainer.Fit(network, data, new TrainingOptions { Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.5), Epochs = 1, BatchSize = 4 });
        double expected = before.Zip(network.Parameters.ToArray(), (a, b) => Math.Abs(a - b)).Sum();
        Assert.True(expected > 0);
        Assert.Equal(expected, history.Epochs[0].WeightChange, 12);
    }

    [Fact]
    public void RegressionRecordsHaveNoAccuracy()
    {
        using DataSet<double> data = DataSet.FromRegression<double>([1, 2, 3, 4, 5, 6], 2, [1, 2, 3], 1);
        using Network<double> network = Linear(1);
        History history = Trainer.Fit(network, data, new TrainingOptions { Loss = new MeanSquaredError(), Optimizer = Frozen, Epochs = 1, BatchSize = 2 }, data);
        Assert.Null(history.Epochs[0].TrainingAccuracy);
        Assert.Null(history.Epochs[0].ValidationAccuracy);
        Assert.Null(Trainer.Evaluate(network, data, new MeanSquaredError()).Accuracy);
    }

    [Fact]
    public void OneOutputIsThresholdedAtOneHalfAndSeveralByTheirLargest()
    {
        Assert.Equal(4, Trainer.CountCorrect<double>([0.5, 0.49, 0.7, 0.1], [1, 0, 1, 0], 1));   // 0.5 counts as class 1
        Assert.Equal(2, Trainer.CountCorrect<double>([0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.3, 0.3, 0.4], [1, 0, 0], 3));
        Assert.Equal(0, Trainer.CountCorrect<double>([], [], 3));
    }

    [Theory]
    [InlineData(new[] { 0.3, 0.3, 0.1 }, 0)]                   // a tie goes to the first
    [InlineData(new[] { 0.1, 0.2, 0.9 }, 2)]                   // the largest last
    [InlineData(new[] { 0.5, double.NaN, 0.9 }, 1)]            // the first NaN, as TensorPrimitives.IndexOfMax answers
    [InlineData(new[] { double.NaN, double.NaN, 0.9 }, 0)]
    [InlineData(new[] { -0.0, 0.0, -1.0 }, 1)]                 // +0 is larger than −0
    [InlineData(new[] { 0.0, -0.0, -1.0 }, 0)]
    [InlineData(new[] { -3.0, -2.0, -5.0 }, 1)]
    public void ThePredictedClassIsTheOneTensorPrimitivesIndexOfMaxNames(double[] outputs, int expected)
    {
        Assert.Equal(expected, System.Numerics.Tensors.TensorPrimitives.IndexOfMax<double>(outputs));   // the reference
        for (int label = 0; label < 3; label++)
        {
            Assert.Equal(label == expected ? 1 : 0, Trainer.CountCorrect<double>(outputs, [label], 3));
        }
    }

    [Fact]
    public void EvaluateWeighsUnevenBatchesBySize()
    {
        using DataSet<double> data = Blobs(5);
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        double single = Enumerable.Range(0, 5).Average(i => network.ComputeLoss(data.FeaturesOf(i), data.Targets.Slice(i * 3, 3), 1, loss));
        int correct = Enumerable.Range(0, 5).Count(i =>
        {
            network.Forward(data.FeaturesOf(i), 1);
            return Trainer.CountCorrect(network.LastOutputs(1), data.Labels.Slice(i, 1), 3) == 1;
        });
        foreach (int batch in new[] { 1, 2, 5, 7 })
        {
            Evaluation evaluation = Trainer.Evaluate(network, data, loss, batchSize: batch);
            Assert.Equal(single, evaluation.Loss, 14);
            Assert.Equal(correct / 5.0, evaluation.Accuracy);
        }
    }

    [Fact]
    public void AnEqualMetricIsNoImprovementAndPatienceCountsEpochsWithout()
    {
        using DataSet<double> data = Blobs(12);
        foreach ((int patience, int expectedEpochs) in new[] { (0, 2), (1, 3), (2, 4) })
        {
            using Network<double> network = Softmax();
            History history = Trainer.Fit(network, data, new TrainingOptions
            {
                Loss = new CategoricalCrossEntropy(), Optimizer = Frozen, Epochs = 10, ValidationSplit = 0.25,
                EarlyStopping = new EarlyStopping { Patience = patience, MinDelta = 0 },
            });
            Assert.Equal(expectedEpochs, history.Epochs.Count);
            Assert.Equal(StopReason.EarlyStopping, history.StopReason);
            Assert.Equal(1, history.BestEpoch);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunningOutOfEpochsRestoresTheBestEpochOnlyWhenAsked(bool restore)
    {
        // Validation data whose labels are the training labels shifted by one class: the better the network fits the
        // training data, the worse it does there, so the best epoch is an early one. The patience is never used up.
        using DataSet<double> data = Blobs(30);
        int[] shifted = data.Labels.ToArray().Select(label => (label + 1) % 3).ToArray();
        using DataSet<double> contrary = DataSet.FromClassification<double>(data.Features, 2, shifted);
        using Network<double> network = Softmax();
        var snapshots = new List<double[]>();
        History history = Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(0.05), Epochs = 6, BatchSize = 10,
            EarlyStopping = new EarlyStopping { Patience = 100, RestoreBestWeights = restore },
            Callbacks = [new Recorder(epoch: _ => snapshots.Add(network.Parameters.ToArray()))],
        }, contrary);
        Assert.Equal(StopReason.MaxEpochs, history.StopReason);
        int best = history.BestEpoch!.Value;
        Assert.NotEqual(6, best);
        Assert.Equal(restore ? snapshots[best - 1] : snapshots[^1], network.Parameters.ToArray());
    }

    [Fact]
    public void TrainingStopsOnceTheChangeFallsBelowTheTolerance()
    {
        using DataSet<double> data = Blobs(12);
        TrainingOptions Options(double? tolerance) => new()
        {
            Loss = new CategoricalCrossEntropy(), Optimizer = new GradientDescent(0.1), Epochs = 3, BatchSize = 12, Tolerance = tolerance,
        };
        double firstChange;
        using (Network<double> network = Softmax())
        {
            firstChange = Trainer.Fit(network, data, Options(null)).Epochs[0].WeightChange;
        }
        using (Network<double> network = Softmax())
        {
            History history = Trainer.Fit(network, data, Options(firstChange * (1 + 1e-9)));
            Assert.Single(history.Epochs);
            Assert.Equal(StopReason.Tolerance, history.StopReason);
        }
        using (Network<double> network = Softmax())
        {
            // Equal is not below: the first epoch does not stop.
            Assert.True(Trainer.Fit(network, data, Options(firstChange)).Epochs.Count > 1);
        }
    }

    [Fact]
    public void OnlyASymmetricInitialisationIsWarnedAbout()
    {
        using DataSet<double> data = Blobs(6);
        var warnings = new List<string>();
        var options = new TrainingOptions { Loss = new CategoricalCrossEntropy(), Epochs = 1, Callbacks = [new Recorder(warning: warnings.Add)] };
        using (Network<double> random = Softmax())
        {
            Assert.Empty(Trainer.Fit(random, data, options).Warnings);
        }
        using var symmetric = new Network<double>(new Sequential(new Dense(2, 4), new Tanh(), new Dense(4, 3), new Softmax()),
            new NetworkOptions { Initializer = Initializer.Constant(0.1) });
        History history = Trainer.Fit(symmetric, data, options);
        Assert.Contains("symmetry problem", Assert.Single(history.Warnings));
        Assert.Equal(history.Warnings, warnings);
    }

    [Fact]
    public void AResumedRunReplaysTheShuffleAndMatchesAStraightOne()
    {
        using DataSet<double> data = Blobs(15);
        TrainingOptions Options(int epochs) => new() { Loss = new CategoricalCrossEntropy(), Optimizer = new Adam(0.05), Epochs = epochs, BatchSize = 4, Seed = 9 };
        using Network<double> straight = Softmax();
        Trainer.Fit(straight, data, Options(4));
        using Network<double> resumed = Softmax();
        using var state = new TrainingState<double>(Options(4), resumed.ParameterCount);
        Trainer.Fit(resumed, data, Options(2), state);
        Assert.Equal(2, state.Epoch);
        History rest = Trainer.Fit(resumed, data, Options(4), state);
        Assert.Equal(4, rest.Epochs.Count);
        Assert.Equal(straight.Parameters.ToArray(), resumed.Parameters.ToArray());
    }

    [Fact]
    public void DivergenceNamesWhereAndRestoresTheEpochStart()
    {
        // Inputs of 1e200: activations and deltas stay finite, but δᵀ·x overflows in the weight gradients.
        using DataSet<double> data = DataSet.FromRegression<double>([1e200, 1e200, -1e200, 1e200], 2, [1, -1], 1);
        using Network<double> network = Linear(1);
        double[] start = network.Parameters.ToArray();
        var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = new MeanSquaredError(), Optimizer = new GradientDescent(0.01), Epochs = 2, BatchSize = 2,
        }));
        Assert.Equal(1, error.Epoch);
        Assert.Equal(1, error.Batch);
        Assert.Equal("layer 1 gradients", error.Location);
        Assert.StartsWith("Training diverged in epoch 1, batch 1: layer 1 gradients hold NaN or infinity", error.Message);
        Assert.Contains("The weights were restored to the start of epoch 1. Lower the learning rate (now 0.01)", error.Message);
        Assert.Equal(start, network.Parameters.ToArray());
    }

    /// <summary>
    /// A batch whose cost is finite while a gradient overflows, and one whose cost overflows while every gradient is
    /// finite: each is caught where it happens, before the optimizer step, and named.
    /// </summary>
    internal static (DataSet<double> Data, double[] Parameters, string Location) OneSidedOverflow(string kind) => kind switch
    {
        // Zero weights: outputs 0 and a cost of 50, but ∂J/∂w = mean((y − t)·x) overflows at x = 10³⁰⁸.
        "gradient" => (DataSet.FromRegression<double>([1e308, 1e308], 1, [10, 10], 1), [0, 0], "layer 1 gradients"),
        // A bias of 10²⁰⁰ and inputs of 10⁻²⁰⁰: ∂J/∂w ≈ 1 and ∂J/∂b = 10²⁰⁰ are finite, the cost ½·10⁴⁰⁰ is not.
        _ => (DataSet.FromRegression<double>([1e-200, 1e-200], 1, [0, 0], 1), [0, 1e200], "loss"),
    };

    [Theory]
    [InlineData("gradient", false)]
    [InlineData("cost", false)]
    [InlineData("gradient", true)]
    [InlineData("cost", true)]
    public void AnOverflowInTheCostOrInAGradientAloneStopsTheStep(string kind, bool adam)
    {
        // Adam checks inside its update pass, after the step; gradient descent checks before it. Both name the same place.
        (DataSet<double> data, double[] start, string location) = OneSidedOverflow(kind);
        using (data)
        {
            using var network = new Network<double>(new Sequential(new Dense(1, 1)));
            start.CopyTo(network.Parameters);
            var error = Assert.Throws<TrainingDivergedException>(() => Trainer.Fit(network, data, new TrainingOptions
            {
                Loss = new MeanSquaredError(), Optimizer = adam ? new Adam(0.1) : new GradientDescent(0.1), Epochs = 2, BatchSize = 2, ValidationSplit = 0,
            }));
            Assert.Equal((1, 1, location), (error.Epoch, error.Batch, error.Location));
            Assert.Equal(start, network.Parameters.ToArray());
        }
    }

    [Fact]
    public void AStateOnlyResumesTheRunItWasMadeFor()
    {
        using DataSet<double> data = Blobs(9);
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        var options = new TrainingOptions { Loss = loss, Optimizer = new Adam(0.01), Epochs = 1, BatchSize = 3, Seed = 2, L2 = 0.1 };
        using var state = new TrainingState<double>(options, network.ParameterCount);
        string Refusal(TrainingOptions changed, Network<double>? other = null) =>
            Assert.Throws<ArgumentException>(() => Trainer.Fit(other ?? network, data, changed, state)).Message;

        using (Network<double> wider = new(new Sequential(new Dense(2, 5), new Tanh(), new Dense(5, 3), new Softmax())))
        {
            Assert.Equal($"The training state was saved for {network.ParameterCount} parameters but the network has {wider.ParameterCount}.", Refusal(options, wider));
        }
        Assert.StartsWith("The training state holds Adam moments but the options use GradientDescent", Refusal(options with { Optimizer = new GradientDescent(0.1) }));
        Assert.StartsWith("The training state was made for CategoricalCrossEntropy with L2 0.1, the options give CategoricalCrossEntropy with L2 0.2",
            Refusal(options with { L2 = 0.2 }));
        Assert.StartsWith("The training state was made for CategoricalCrossEntropy with L2 0.1, the options give Hinge with L2 0.1",
            Refusal(options with { Loss = new Hinge() }, new Network<double>(new Sequential(new Dense(2, 4), new Tanh(), new Dense(4, 3)))));
        Assert.Equal("The training state was made with seed 2 and batch size 3, the options give 5 and 3; " +
            "resume with the same ones so that the shuffles continue where they stopped.", Refusal(options with { Seed = 5 }));
        Assert.StartsWith("The training state was made with seed 2 and batch size 3, the options give 2 and 4", Refusal(options with { BatchSize = 4 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(network, data, options with { Epochs = 0 }, state));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(null!, data, options, state));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, null!, options, state));
        Assert.Throws<ArgumentNullException>(() => Trainer.Fit(network, data, null!, state));

        Assert.Equal("parameterCount", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingState<double>(options, 0)).ParamName);
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingState<double>(options with { BatchSize = 0 }, 5)).ParamName);
        Assert.Equal("CategoricalCrossEntropy", state.Loss);

        var disposed = new TrainingState<double>(options, network.ParameterCount);
        disposed.Dispose();
        Assert.True(disposed.BestWeights.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => disposed.OptimizerState.Moment(0).Length);
    }

    [Fact]
    public void FitHoldsTheNetworkForTheWholeRunAndReleasesIt()
    {
        using DataSet<double> data = Blobs(9);
        using Network<double> network = Softmax();
        using var inFit = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var fit = new Thread(() => Trainer.Fit(network, data, new TrainingOptions
        {
            Loss = new CategoricalCrossEntropy(), Epochs = 1,
            Callbacks = [new Recorder(epoch: _ => { inFit.Set(); release.Wait(); })],
        }));
        fit.Start();
        inFit.Wait();
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() => network.Forward([1.0, 2.0], 1).Length);
            Assert.Contains("(Trainer.Fit)", error.Message);
        }
        finally
        {
            release.Set();
            fit.Join();
        }
        Assert.Equal(3, network.Forward([1.0, 2.0], 1).Length);   // released: any thread may use it again
    }

    private sealed class Recorder(Action<BatchRecord>? batch = null, Action<EpochRecord>? epoch = null, Action<string>? warning = null) : TrainingCallback
    {
        public override void OnBatchEnd(BatchRecord record) => batch?.Invoke(record);

        public override void OnEpochEnd(EpochRecord record) => epoch?.Invoke(record);

        public override void OnWarning(string message) => warning?.Invoke(message);
    }
}
