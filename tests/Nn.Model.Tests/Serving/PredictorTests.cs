using Xunit;
using Nn.Data;
using Nn.Native;
using Nn.Serving;

namespace Nn.Model.Tests.Serving;

public class PredictorTests
{
    public static TheoryData<string, string> Activations => new()
    {
        { "Relu", "Softmax" }, { "LeakyRelu", "Sigmoid" }, { "Tanh", "Identity" }, { "Sigmoid", "Softmax" }, { "Relu", "Step" },
    };

    internal static Activation Make(string name) => name switch
    {
        "Relu" => new Relu(),
        "LeakyRelu" => new LeakyRelu(0.1),
        "Tanh" => new Tanh(),
        "Sigmoid" => new Sigmoid(),
        "Softmax" => new Softmax(),
        "Step" => new Step(),
        _ => new Identity(),
    };

    /// <summary>A model with a fitted standard scaler (so folding the preprocessing into layer 1 is exercised).</summary>
    internal static TrainedModel<float> Model(string hidden, string last, int inputs = 37, int outputs = 5, int seed = 3)
    {
        var network = new Network<float>(new Sequential(
            new Dense(inputs, 40), Make(hidden), new Dense(40, 19), Make(hidden), new Dense(19, outputs), Make(last)),
            new NetworkOptions { Seed = seed });
        float[] raw = RawInputs(200, inputs, seed);
        using DataSet<float> fit = DataSet.FromRegression<float>(raw, inputs, new float[200], 1);
        return new TrainedModel<float>(network, FeatureScaler.Fit(fit, ScalingKind.Standard));
    }

    /// <summary>Raw features on a pixel-like scale with about a third exact zeros (the sparse path's case).</summary>
    internal static float[] RawInputs(int rows, int features, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * features).Select(_ => random.Next(3) == 0 ? 0f : (float)(random.NextDouble() * 255)).ToArray();
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void MatchesTheTrainedModelForOneSampleAndForBatches(string hidden, string last)
    {
        using TrainedModel<float> model = Model(hidden, last);
        using Predictor predictor = Predictor.From(model);
        foreach (int batch in new[] { 1, 3, 5, 64, 1500 })
        {
            float[] x = RawInputs(batch, model.Network.InputSize, batch);
            var expected = new float[batch * predictor.OutputSize];
            var actual = new float[expected.Length];
            model.Predict(x, expected, batch);
            predictor.Predict(x, actual, batch);
            double worst = 0;
            for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            // Folding the scaler into W·diag(s), b + W·h rounds differently from scaling first: a few float ulps of the
            // pre-activations, which a Step output can flip only when z is within that of 0 (not the case for these seeds).
            Assert.True(worst < 2e-4, $"batch {batch}: largest difference {worst}");

            var one = new float[predictor.OutputSize];
            predictor.Predict(x.AsSpan(0, model.Network.InputSize), one);
            if (batch <= 4)
            {
                Assert.Equal(actual.AsSpan(0, one.Length).ToArray(), one);   // small batches take the row path: the same bits
            }
            else
            {
                for (int i = 0; i < one.Length; i++) Assert.Equal(actual[i], one[i], 1e-5);   // GEMM and row kernel sum in other orders
            }
        }
    }

    [Fact]
    public void DoubleModelsAreServedInFloat()
    {
        var network = new Network<double>(new Sequential(new Dense(6, 8), new Tanh(), new Dense(8, 3), new Softmax()), new NetworkOptions { Seed = 2 });
        using var model = new TrainedModel<double>(network, null, ["a", "b", "c"]);
        using Predictor predictor = Predictor.From(model);
        double[] x = [0.5, -1, 2, 0, 0.25, 3];
        var expected = new double[3];
        model.Predict(x, expected, 1);
        var actual = new float[3];
        predictor.Predict(Array.ConvertAll(x, v => (float)v), actual);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], actual[i], 1e-6);
        Assert.Equal(["a", "b", "c"], predictor.ClassNames!);
    }

    [Fact]
    public void ClassesAndTopKFollowTheProbabilities()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax");
        using Predictor predictor = Predictor.From(model);
        float[] x = RawInputs(1, predictor.InputSize, 9);
        var p = new float[predictor.OutputSize];
        predictor.Predict(x, p);
        int[] order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();

        Assert.Equal(order[0], predictor.PredictClass(x));
        var classes = new int[3];
        var scores = new float[3];
        Assert.Equal(3, predictor.TopK(x, classes, scores));
        Assert.Equal(order[..3], classes);
        Assert.Equal(new[] { p[order[0]], p[order[1]], p[order[2]] }, scores);
        Assert.Equal("2", predictor.ClassName(2));
    }

    [Fact]
    public void OneSigmoidOutputIsTwoClasses()
    {
        var network = new Network<float>(new Sequential(new Dense(4, 6), new Relu(), new Dense(6, 1), new Sigmoid()), new NetworkOptions { Seed = 4 });
        using var model = new TrainedModel<float>(network, null, ["benign", "malignant"]);
        using Predictor predictor = Predictor.From(model);
        float[] x = [1, -2, 0.5f, 3];
        var p = new float[1];
        predictor.Predict(x, p);
        var classes = new int[2];
        var scores = new float[2];
        Assert.Equal(2, predictor.TopK(x, classes, scores));
        Assert.Equal(p[0] >= 0.5f ? 1 : 0, classes[0]);
        Assert.Equal(1f, scores[0] + scores[1], 6);
        Assert.Equal(2, predictor.ClassCount);
        Assert.Equal("malignant", predictor.ClassName(1));
    }

    [Fact]
    public void RegressionHasNoClasses()
    {
        using TrainedModel<float> model = Model("Tanh", "Identity");
        using Predictor predictor = Predictor.From(model);
        Assert.False(predictor.IsClassifier);
        Assert.Throws<InvalidOperationException>(() => predictor.PredictClass(new float[predictor.InputSize]));
    }

    [Fact]
    public void WrongShapesAndDisposeAreRefused()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax");
        var predictor = Predictor.From(model);
        ArgumentException error = Assert.Throws<ArgumentException>(() => predictor.Predict(new float[5], new float[predictor.OutputSize]));
        Assert.Contains("37 features", error.Message);
        Assert.Throws<ArgumentException>(() => predictor.Predict(new float[predictor.InputSize], new float[2]));
        Assert.Throws<ArgumentException>(() => predictor.Predict(new float[predictor.InputSize * 2], new float[predictor.OutputSize * 3], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Predict([], [], 0));
        predictor.Dispose();
        predictor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => predictor.Predict(new float[predictor.InputSize], new float[predictor.OutputSize]));
        Assert.Throws<ObjectDisposedException>(() => predictor.Predict(new float[predictor.InputSize * 8], new float[predictor.OutputSize * 8], 8));
        Assert.Throws<ObjectDisposedException>(() => predictor.PredictClass(new float[predictor.InputSize]));
    }

    [Fact]
    public void PredictingAllocatesNothingOnEveryPath()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax");
        using Predictor predictor = Predictor.From(model);
        float[] x = RawInputs(300, predictor.InputSize, 5);
        var y = new float[300 * predictor.OutputSize];
        var classes = new int[3];
        var scores = new float[3];
        void All()
        {
            predictor.Predict(x.AsSpan(0, predictor.InputSize), y.AsSpan(0, predictor.OutputSize));
            predictor.Predict(x.AsSpan(0, 3 * predictor.InputSize), y.AsSpan(0, 3 * predictor.OutputSize), 3);
            predictor.Predict(x, y, 300);
            predictor.PredictClass(x.AsSpan(0, predictor.InputSize));
            predictor.TopK(x.AsSpan(0, predictor.InputSize), classes, scores);
        }
        All();
        long allocated = 0;
        for (int round = 0; round < 3; round++)   // a first round may still see the runtime tiering methods up
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++) All();
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0) break;
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EightThreadsGetTheSingleThreadedBits()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax", inputs: 64, outputs: 10);
        using Predictor predictor = Predictor.From(model);
        int d = predictor.InputSize, k = predictor.OutputSize;
        int[] batches = [1, 2, 7, 33, 1, 128];
        float[][] inputs = batches.Select((b, i) => RawInputs(b, d, 100 + i)).ToArray();
        float[][] expected = batches.Select((b, i) =>
        {
            var y = new float[b * k];
            predictor.Predict(inputs[i], y, b);
            return y;
        }).ToArray();

        int calls = int.Parse(Environment.GetEnvironmentVariable("NN_PREDICTOR_STRESS_CALLS") ?? "100000", System.Globalization.CultureInfo.InvariantCulture);
        long wrong = 0, done = 0;
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, thread =>
        {
            var outputs = batches.Select(b => new float[b * k]).ToArray();
            for (int c = 0; c < calls; c++)
            {
                int i = (c + thread) % batches.Length;
                if (batches[i] == 1) predictor.Predict(inputs[i], outputs[i]);
                else predictor.Predict(inputs[i], outputs[i], batches[i]);
                if (!outputs[i].AsSpan().SequenceEqual(expected[i])) Interlocked.Increment(ref wrong);
                Interlocked.Increment(ref done);
            }
        });
        Assert.Equal(8L * calls, done);
        Assert.Equal(0, wrong);
    }

    [Fact]
    public void DisposeWhileOtherThreadsPredictNeverGivesAWrongAnswer()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax");
        var predictor = Predictor.From(model);
        float[] x = RawInputs(16, predictor.InputSize, 1);
        var expected = new float[16 * predictor.OutputSize];
        predictor.Predict(x, expected, 16);
        long wrong = 0, refused = 0;
        using var started = new CountdownEvent(4);
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() =>
        {
            var y = new float[expected.Length];
            started.Signal();
            while (true)
            {
                try
                {
                    predictor.Predict(x, y, 16);
                }
                catch (ObjectDisposedException)
                {
                    Interlocked.Increment(ref refused);
                    return;
                }
                if (!y.AsSpan().SequenceEqual(expected)) Interlocked.Increment(ref wrong);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        started.Wait();
        Thread.Sleep(50);
        predictor.Dispose();
        threads.ForEach(t => t.Join());
        Assert.Equal(0, wrong);
        Assert.Equal(4, refused);
    }

    [Fact]
    public void BatchesFollowTheChosenProvider()
    {
        using TrainedModel<float> model = Model("Relu", "Softmax");
        using Predictor managed = Predictor.From(model, Blas.Load(BlasProviderKind.Managed));
        Assert.Equal(BlasProviderKind.Managed, managed.Provider.Kind);
    }
}
