using Nn.Data;
using Nn.Models;
using Xunit;

namespace Nn.Model.Tests.Training;

public sealed class PerceptronTests(ITestOutputHelper output)
{
    [Fact]
    public void ConvergesOnLinearlySeparableData()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(200, seed: 5, spread: 1.5);
        var perceptron = new Perceptron(2);
        PerceptronResult result = perceptron.Fit(blobs, maxEpochs: 100, shuffleSeed: 1);
        output.WriteLine($"converged in epoch {result.ConvergedEpoch}; mistakes per epoch {string.Join(", ", result.MistakesPerEpoch)}");
        Assert.True(result.Converged);
        for (int i = 0; i < blobs.Count; i++)
        {
            Assert.Equal(blobs.Labels[i], perceptron.Predict(blobs.FeaturesOf(i)));
        }
    }

    [Fact]
    public void StopsAtMaxEpochsOnXor()
    {
        using DataSet<double> xor = DataSet.FromClassification<double>([0, 0, 0, 1, 1, 0, 1, 1], 2, [0, 1, 1, 0]);
        PerceptronResult result = new Perceptron(2).Fit(xor, maxEpochs: 50);
        Assert.False(result.Converged);
        Assert.Equal(50, result.Epochs);
        Assert.All(result.MistakesPerEpoch, m => Assert.True(m > 0));
    }

    [Fact]
    public void OneVsRestSeparatesThreeBlobs()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(150, seed: 6, classes: 3);
        var perceptron = new Perceptron(2, classes: 3);
        PerceptronResult result = perceptron.Fit(blobs, maxEpochs: 200, shuffleSeed: 2);
        int correct = Enumerable.Range(0, blobs.Count).Count(i => perceptron.Predict(blobs.FeaturesOf(i)) == blobs.Labels[i]);
        output.WriteLine($"converged: {result.ConvergedEpoch}; training accuracy {correct}/{blobs.Count}");
        Assert.Equal(blobs.Count, correct);
    }

    [Fact]
    public void BinaryPerceptronBecomesAStepNetwork()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(50, seed: 7);
        var perceptron = new Perceptron(2);
        perceptron.Fit(blobs, shuffleSeed: 3);
        using Network<double> network = perceptron.ToNetwork<double>();
        double[] outputs = network.Forward(blobs.Features, blobs.Count).ToArray();
        Assert.Equal(blobs.Labels.ToArray().Select(l => (double)l), outputs);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void AveragedPerceptronIsTheMeanOfTheWeightsAfterEveryVisit(int classes)
    {
        // Overlapping blobs, so mistakes continue in every epoch; the oracle keeps every visit's weights explicitly.
        using DataSet<double> blobs = Synthetic.Blobs<double>(60, seed: 8, classes: classes, spread: 3.0);
        var perceptron = new Perceptron(2, classes, learningRate: 0.5);
        PerceptronResult result = perceptron.Fit(blobs, maxEpochs: 4, shuffleSeed: 9, averaged: true);

        int units = classes == 2 ? 1 : classes;
        double[] w = new double[units * 2], b = new double[units], sumW = new double[units * 2], sumB = new double[units];
        int[] order = Enumerable.Range(0, blobs.Count).ToArray();
        var random = new Random(9);
        long visits = 0;
        for (int epoch = 0; epoch < result.Epochs; epoch++)   // fewer than 4 when an epoch had no mistakes
        {
            random.Shuffle(order);
            foreach (int i in order)
            {
                double x0 = blobs.FeaturesOf(i)[0], x1 = blobs.FeaturesOf(i)[1];
                for (int u = 0; u < units; u++)
                {
                    int target = units == 1 ? blobs.Labels[i] : (blobs.Labels[i] == u ? 1 : 0);
                    int predicted = b[u] + w[2 * u] * x0 + w[2 * u + 1] * x1 >= 0 ? 1 : 0;
                    double step = 0.5 * (target - predicted);
                    w[2 * u] += step * x0;
                    w[2 * u + 1] += step * x1;
                    b[u] += step;
                }
                visits++;
                for (int j = 0; j < w.Length; j++) sumW[j] += w[j];
                for (int u = 0; u < units; u++) sumB[u] += b[u];
            }
        }
        for (int j = 0; j < w.Length; j++) Assert.Equal(sumW[j] / visits, perceptron.Weights[j], 1e-9);
        for (int u = 0; u < units; u++) Assert.Equal(sumB[u] / visits, perceptron.Biases[u], 1e-9);
        Assert.NotEqual(w[0], perceptron.Weights[0], 1e-6);   // the average is not the last weights
    }

    [Fact]
    public void AveragedPerceptronReachesEightyFourPercentOnFashionMnistInTenEpochs()
    {
        string directory = Nn.Testing.OptionalData.RequireFashionMnist();
        (DataSet<float> train, DataSet<float> test) = FashionMnist.Load<float>(directory);
        using (train)
        using (test)
        {
            FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
            scaler.Transform(train);
            scaler.Transform(test);
            var perceptron = new Perceptron(784, classes: 10);
            perceptron.Fit(train, maxEpochs: 10, shuffleSeed: 1, averaged: true);
            var x = new double[784];
            int correct = 0;
            for (int i = 0; i < test.Count; i++)
            {
                for (int f = 0; f < 784; f++) x[f] = test.FeaturesOf(i)[f];
                if (perceptron.Predict(x) == test.Labels[i]) correct++;
            }
            double accuracy = (double)correct / test.Count;
            output.WriteLine($"averaged perceptron, 10 epochs: test accuracy {accuracy:P2}");
            Assert.True(accuracy >= 0.84, $"{accuracy:P2} < 84 %");
        }
    }

    [Fact]
    public void AveragingStartsFromTheWeightsFitStartsWith()
    {
        // A first, plain Fit leaves non-zero weights; the averaged Fit that follows must average from there (w₀ ≠ 0).
        using DataSet<double> blobs = Synthetic.Blobs<double>(40, seed: 11, spread: 3.0);
        var perceptron = new Perceptron(2);
        perceptron.Fit(blobs, maxEpochs: 1, shuffleSeed: 4);
        double[] w = perceptron.Weights.ToArray();
        double b = perceptron.Biases[0];
        PerceptronResult result = perceptron.Fit(blobs, maxEpochs: 2, shuffleSeed: 5, averaged: true);

        double[] sum = new double[2];
        double sumB = 0;
        int[] order = Enumerable.Range(0, blobs.Count).ToArray();
        var random = new Random(5);
        long visits = 0;
        for (int epoch = 0; epoch < result.Epochs; epoch++)
        {
            random.Shuffle(order);
            foreach (int i in order)
            {
                double x0 = blobs.FeaturesOf(i)[0], x1 = blobs.FeaturesOf(i)[1];
                double step = blobs.Labels[i] - (b + w[0] * x0 + w[1] * x1 >= 0 ? 1 : 0);
                w[0] += step * x0;
                w[1] += step * x1;
                b += step;
                visits++;
                sum[0] += w[0];
                sum[1] += w[1];
                sumB += b;
            }
        }
        Assert.Equal(sum[0] / visits, perceptron.Weights[0], 1e-9);
        Assert.Equal(sum[1] / visits, perceptron.Weights[1], 1e-9);
        Assert.Equal(sumB / visits, perceptron.Biases[0], 1e-9);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Perceptron(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Perceptron(2, classes: 1));
        Assert.Contains("learning rate must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new Perceptron(2, learningRate: 0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Perceptron(2, learningRate: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Perceptron(2, learningRate: double.NaN));
        var perceptron = new Perceptron(2);
        Assert.Throws<ArgumentNullException>(() => perceptron.Fit<double>(null!));
        using DataSet<double> blobs = Synthetic.Blobs<double>(20, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => perceptron.Fit(blobs, maxEpochs: 0));
        using DataSet<double> three = Synthetic.Blobs<double>(30, seed: 1, classes: 3);
        Assert.Contains("has 2 features and 3 classes.", Assert.Throws<ArgumentException>(() => perceptron.Fit(three)).Message);
        using DataSet<double> wide = Synthetic.Blobs<double>(20, seed: 1, features: 3);
        Assert.Throws<ArgumentException>(() => perceptron.Fit(wide));
        using DataSet<double> regression = DataSet.FromRegression<double>([1, 2, 3, 4], 2, [1, 2], 1);
        Assert.Contains("regression targets", Assert.Throws<ArgumentException>(() => perceptron.Fit(regression)).Message);
        Assert.Contains("Expected 2 features, got 3", Assert.Throws<ArgumentException>(() => perceptron.Predict([1, 2, 3])).Message);
    }

    [Fact]
    public void TiesFollowTheStepAndTheFirstUnit()
    {
        // Untrained: every score is 0. H(0) = 1 for one unit; among equal units the first class wins.
        Assert.Equal(1, new Perceptron(2).Predict([0.5, -0.5]));
        Assert.Equal(0, new Perceptron(2, classes: 3).Predict([0.5, -0.5]));
    }

    [Fact]
    public void OneVsRestPerceptronBecomesAScoreNetworkWithItsBiases()
    {
        using DataSet<double> blobs = Synthetic.Blobs<double>(60, seed: 12, classes: 3);
        var perceptron = new Perceptron(2, classes: 3);
        perceptron.Fit(blobs, maxEpochs: 20, shuffleSeed: 1);
        using Network<double> network = perceptron.ToNetwork<double>();
        Assert.IsType<Identity>(network.Architecture.OutputActivation);
        Assert.Equal(perceptron.Biases.ToArray(), network.Biases(0).ToArray());
        Assert.Equal(perceptron.Weights.ToArray(), network.Weights(0).ToArray());
    }

    [Fact]
    public void ClassifierRecipeStacksReluLayersUnderASoftmax() =>
        Assert.Equal("784-256-128-10 (Relu, Relu, Softmax)", Recipes.Classifier(784, 10, 256, 128).Architecture.ToString());

    [Fact]
    public void AveragingOverNoSamplesLeavesTheWeights()
    {
        using DataSet<double> empty = DataSet.FromClassification<double>([], 2, [], ["0", "1"]);
        var perceptron = new Perceptron(2);
        perceptron.Fit(empty, maxEpochs: 2, averaged: true);
        Assert.Equal([0.0, 0.0], perceptron.Weights.ToArray());
        Assert.Equal(0.0, perceptron.Biases[0]);
    }
}
