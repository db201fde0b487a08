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
}
