using Nn.Data;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>The full-batch methods' option checks and messages, their evaluation budget and their result record.</summary>
public sealed class FullBatchContractTests
{
    private static DataSet<double> Blobs() => Synthetic.Blobs<double>(24, seed: 3, classes: 3, features: 2, spread: 1.0);

    private static Network<double> Softmax() => new(new Sequential(new Dense(2, 3), new Softmax()), new NetworkOptions { Seed = 1 });

    public static TheoryData<string, string> RefusedOptions() => new()
    {
        { "evaluations 0", "MaxEvaluations must be at least 1." },
        { "tolerance -1", "GradientTolerance must be finite and non-negative." },
        { "tolerance NaN", "GradientTolerance must be finite and non-negative." },
        { "tolerance inf", "GradientTolerance must be finite and non-negative." },
        { "history 0", "History (L-BFGS pairs kept) must be at least 1." },
        { "rate 0", "LearningRate must be positive and finite." },
        { "rate NaN", "LearningRate must be positive and finite." },
        { "l2 -1", "L2 must be finite and non-negative." },
        { "l2 inf", "L2 must be finite and non-negative." },
    };

    [Theory]
    [MemberData(nameof(RefusedOptions))]
    public void OutOfRangeOptionsAreRefusedByEveryMethod(string change, string message)
    {
        FullBatchOptions options = change switch
        {
            "evaluations 0" => new() { MaxEvaluations = 0 },
            "tolerance -1" => new() { GradientTolerance = -1 },
            "tolerance NaN" => new() { GradientTolerance = double.NaN },
            "tolerance inf" => new() { GradientTolerance = double.PositiveInfinity },
            "history 0" => new() { History = 0 },
            "rate 0" => new() { LearningRate = 0 },
            "rate NaN" => new() { LearningRate = double.NaN },
            "l2 -1" => new() { L2 = -1 },
            _ => new() { L2 = double.PositiveInfinity },
        };
        using DataSet<double> data = Blobs();
        using Network<double> network = Softmax();
        double[] start = network.Parameters.ToArray();
        var loss = new CategoricalCrossEntropy();
        foreach (Func<FullBatchResult> method in new Func<FullBatchResult>[]
        {
            () => FullBatch.Lbfgs(network, data, loss, options), () => FullBatch.ConjugateGradient(network, data, loss, options),
            () => FullBatch.GradientDescent(network, data, loss, options),
        })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(method);
            Assert.Equal("options", error.ParamName);
            Assert.StartsWith(message, error.Message);
            Assert.Equal(start, network.Parameters.ToArray());
        }
    }

    [Fact]
    public void BoundaryOptionsAreAcceptedAndTheBudgetIsKept()
    {
        using DataSet<double> data = Blobs();
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        FullBatchResult one = FullBatch.GradientDescent(network, data, loss, new FullBatchOptions { MaxEvaluations = 1, History = 1, GradientTolerance = 0, L2 = 0 });
        Assert.Equal(1, one.Evaluations);
        foreach (int budget in new[] { 5, 12 })
        {
            using Network<double> fresh = Softmax();
            var options = new FullBatchOptions { MaxEvaluations = budget, GradientTolerance = 0, History = 1 };
            Assert.Equal(budget, FullBatch.GradientDescent(fresh, data, loss, options).Evaluations);
            using Network<double> other = Softmax();
            Assert.InRange(FullBatch.Lbfgs(other, data, loss, options).Evaluations, 1, budget);
        }
    }

    [Fact]
    public void TheResultKeepsTheBestCostAndTheNetworkItsParameters()
    {
        using DataSet<double> data = Blobs();
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        FullBatchResult result = FullBatch.GradientDescent(network, data, loss, new FullBatchOptions { MaxEvaluations = 6, GradientTolerance = 0, LearningRate = 0.5 });
        Assert.Equal(result.Costs.Min(), result.FinalCost);
        Assert.Equal(result.FinalCost, Trainer.Evaluate(network, data, loss).Loss, 12);
        Assert.True(result.Costs[^1] < result.Costs[0]);
        Assert.Equal(5, result.Iterations);
        Assert.False(result.Converged);
        Assert.True(double.IsNaN(new FullBatchResult([], 0, false).FinalCost));
    }

    [Fact]
    public void ADivergingRunLeavesTheStartingParameters()
    {
        // Gradient descent on a least-squares line with a step far beyond 2 / λmax: every cost after the first is
        // larger, so the best point is the start and the network must hold exactly it.
        using DataSet<double> data = DataSet.FromRegression<double>([1, 2, 3, 4], 1, [2, 4, 6, 8], 1);
        using var network = new Network<double>(new Sequential(new Dense(1, 1)), new NetworkOptions { Seed = 5 });
        double[] start = network.Parameters.ToArray();
        FullBatchResult result = FullBatch.GradientDescent(network, data, new MeanSquaredError(), new FullBatchOptions { LearningRate = 10, MaxEvaluations = 5 });
        Assert.Equal(5, result.Evaluations);
        for (int i = 1; i < 5; i++) Assert.True(result.Costs[i] > result.Costs[i - 1], $"cost {i} did not grow");
        Assert.Equal(result.Costs[0], result.FinalCost);
        Assert.Equal(start, network.Parameters.ToArray());
    }

    [Fact]
    public void AFiniteStartingCostWithAnOverflowingGradientIsRefusedAsAGradient()
    {
        // Zero weights give outputs of 0 and a cost of a few units, but ∂J/∂w = mean((y − t)·x) overflows at x = 10³⁰⁸.
        using DataSet<double> data = DataSet.FromRegression<double>([1e308, 1e308], 1, [10, 10], 1);
        using var network = new Network<double>(new Sequential(new Dense(1, 1)), new NetworkOptions { Seed = 5 });
        network.Parameters.Clear();
        var error = Assert.Throws<TrainingDivergedException>(() => FullBatch.Lbfgs(network, data, new MeanSquaredError()));
        Assert.Equal(("gradient", 1, 1), (error.Location, error.Epoch, error.Batch));
        Assert.Equal("The full-batch cost at the starting parameters is 50 (or its gradient is not finite); nothing was changed. " +
            "Scale the inputs, lower L2, or start from other weights.", error.Message);
        Assert.Equal(new double[2], network.Parameters.ToArray());

        using DataSet<double> huge = DataSet.FromRegression<double>([1e300, 1e300], 1, [1e300, -1e300], 1);
        network.Parameters.Fill(1);
        var lossError = Assert.Throws<TrainingDivergedException>(() => FullBatch.ConjugateGradient(network, huge, new MeanSquaredError()));
        Assert.Equal("loss", lossError.Location);
        Assert.Matches("^The full-batch cost at the starting parameters is (∞|Infinity|NaN) ", lossError.Message);
        Assert.Equal([1.0, 1.0], network.Parameters.ToArray());
    }

    [Fact]
    public void OfTwoPointsWithTheSameCostTheNetworkKeepsTheFirst()
    {
        // One sample x = 1, t = 0, w = b = 0.25: J = ½(0.5)², ∇J = (0.5, 0.5), and the first trial, (−0.25, −0.25),
        // costs exactly as much. With two evaluations allowed the run ends there and the start is what it keeps.
        using DataSet<double> data = DataSet.FromRegression<double>([1], 1, [0], 1);
        foreach (bool conjugate in new[] { false, true })
        {
            using var network = new Network<double>(new Sequential(new Dense(1, 1)));
            network.Parameters.Fill(0.25);
            var options = new FullBatchOptions { MaxEvaluations = 2, GradientTolerance = 0 };
            FullBatchResult result = conjugate
                ? FullBatch.ConjugateGradient(network, data, new MeanSquaredError(), options)
                : FullBatch.Lbfgs(network, data, new MeanSquaredError(), options);
            Assert.Equal([0.125, 0.125], result.Costs);
            Assert.Equal([0.25, 0.25], network.Parameters.ToArray());
        }
    }

    [Fact]
    public void TargetsTheLossCannotTakeAreNamedWithTheirSource()
    {
        using DataSet<double> data = DataSet.FromRegression<double>([1, 2], 2, [0.5, 0.2, 0.1], 3, source: "odd.csv");
        using var network = new Network<double>(new Sequential(new Dense(2, 3), new Softmax()));
        var error = Assert.Throws<ArgumentException>(() => FullBatch.Lbfgs(network, data, new CategoricalCrossEntropy()));
        Assert.StartsWith("Target row 1 of the data (odd.csv) sums to 0.8, not 1", error.Message);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(524)]
    public void TheBlockedEvaluationEqualsOnePassOverAllTheData(int rows)
    {
        // Rows of 2,000 features in double, in blocks of 4 MiB (262 rows): 1,000 rows end with a short block, 524 with a full one.
        Assert.Equal(262, Objective<double>.BlockRowsFor(2000, 4 << 20));
        Assert.Equal(16777, Objective<double>.BlockRowsFor(2000, FullBatch.BlockBytes)); // the default: one pass up to 256 MiB
        var random = new Random(4);
        double[] features = Enumerable.Range(0, rows * 2000).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] targets = new double[rows * 3];
        for (int i = 0; i < rows; i++) targets[i * 3 + i % 3] = 1;
        using DataSet<double> data = DataSet.FromRegression<double>(features, 2000, targets, 3);
        using var network = new Network<double>(new Sequential(new Dense(2000, 8), new Tanh(), new Dense(8, 3), new Softmax()), new NetworkOptions { Seed = 2 });
        var loss = new CategoricalCrossEntropy();
        var problem = new Objective<double>(network, data, loss, new FullBatchOptions { L2 = 0.3 }, blockBytes: 4 << 20);
        double[] x = problem.Start(), blocked = new double[x.Length];
        double cost = problem.Evaluate(x, blocked);
        double whole = network.ComputeGradients(data.Features, data.Targets, data.Count, loss, 0.3);
        Assert.Equal(whole, cost, 1e-13);
        double[] expected = network.Gradients.ToArray();
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - blocked[i]) <= 1e-13 * scale, $"gradient {i}: {blocked[i]} against {expected[i]}");
    }

    [Theory]
    [InlineData("Lbfgs")]
    [InlineData("ConjugateGradient")]
    [InlineData("GradientDescent")]
    public async Task ARunClaimsTheNetworkAgainstOtherThreadsAndReleasesIt(string method)
    {
        using DataSet<double> data = Blobs();
        using Network<double> network = Softmax();
        var loss = new CategoricalCrossEntropy();
        FullBatchResult Run(int evaluations)
        {
            var options = new FullBatchOptions { MaxEvaluations = evaluations, GradientTolerance = 0, LearningRate = 1e-6 };
            return method switch
            {
                "Lbfgs" => FullBatch.Lbfgs(network, data, loss, options),
                "ConjugateGradient" => FullBatch.ConjugateGradient(network, data, loss, options),
                _ => FullBatch.GradientDescent(network, data, loss, options),
            };
        }
        // Another thread calls the network over and over; a run starts once it is spinning and must refuse it.
        string? refusal = null;
        bool finished = false;
        using var spinning = new ManualResetEventSlim();
        Task probe = Task.Run(() =>
        {
            spinning.Set();
            while (!Volatile.Read(ref finished) && refusal is null)
            {
                try
                {
                    network.Forward(new double[2], 1);
                }
                catch (InvalidOperationException error)
                {
                    refusal = error.Message;
                }
            }
        });
        spinning.Wait();
        while (refusal is null && !probe.IsCompleted)
        {
            try
            {
                Run(200);
            }
            catch (InvalidOperationException)
            {
                // The probe was inside Forward when the run began: the run is refused just the same. Again.
            }
        }
        Volatile.Write(ref finished, true);
        await probe;
        Assert.NotNull(refusal);
        Assert.Contains($"(FullBatch.{method})", refusal);
        // Once a run has ended, the network is free for any other thread (a new one: its id was never an owner's).
        Exception? blocked = null;
        var other = new Thread(() =>
        {
            try
            {
                Run(2);
                network.Forward(new double[2], 1);
            }
            catch (Exception error)
            {
                blocked = error;
            }
        });
        other.Start();
        other.Join();
        Assert.Null(blocked);
    }

    [Fact]
    public void DataThatDoesNotFitIsNamed()
    {
        using DataSet<double> wide = Synthetic.Blobs<double>(6, seed: 1, classes: 3, features: 3);
        using Network<double> network = Softmax();
        var error = Assert.Throws<ArgumentException>(() => FullBatch.Lbfgs(network, wide, new CategoricalCrossEntropy()));
        Assert.Equal("The data (3 features, 3 targets) does not fit the network (2 inputs, 3 outputs).", error.Message);
        using DataSet<double> fourClasses = Synthetic.Blobs<double>(8, seed: 1, classes: 4, features: 2);
        Assert.Throws<ArgumentException>(() => FullBatch.Lbfgs(network, fourClasses, new CategoricalCrossEntropy()));
    }
}
