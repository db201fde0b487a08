using Nn.Data;
using Xunit;

namespace Nn.Model.Tests.Data;

public sealed class DataSetTests
{
    [Fact]
    public void DigitsAreBuiltIn()
    {
        using DataSet<float> digits = BuiltInData.Digits<float>();
        Assert.Equal(1797, digits.Count);
        Assert.Equal(64, digits.FeatureCount);
        Assert.Equal(10, digits.TargetCount);
        Assert.Equal(BuiltInData.DigitClasses, digits.ClassNames);
        Assert.InRange(digits.Features.ToArray().Max(), 16f, 16f);
        Assert.Equal(0, digits.Labels[0]);
        int[] counts = new int[10];
        foreach (int label in digits.Labels) counts[label]++;
        Assert.All(counts, c => Assert.InRange(c, 170, 190));
    }

    [Fact]
    public void StratifiedSplitKeepsClassProportions()
    {
        using DataSet<float> digits = BuiltInData.Digits<float>();
        (DataSet<float> train, DataSet<float> test) = digits.Split(0.8, seed: 1, stratified: true);
        using (train)
        using (test)
        {
            Assert.Equal(1797, train.Count + test.Count);
            for (int c = 0; c < 10; c++)
            {
                int all = digits.Labels.ToArray().Count(l => l == c), inTest = test.Labels.ToArray().Count(l => l == c);
                Assert.Equal(Math.Round(all * 0.8), all - inTest);
            }
            Assert.NotEqual(digits.Labels[..20].ToArray(), train.Labels[..20].ToArray()); // shuffled
        }
    }

    [Fact]
    public void SplitIsFixedBySeed()
    {
        using DataSet<float> blobs = Synthetic.Blobs<float>(100, seed: 3);
        var (a1, b1) = blobs.Split(0.7, seed: 9);
        var (a2, b2) = blobs.Split(0.7, seed: 9);
        Assert.Equal(a1.Features.ToArray(), a2.Features.ToArray());
        Assert.Equal(70, a1.Count);
        Assert.Equal(30, b2.Count);
        foreach (var d in new[] { a1, b1, a2, b2 }) d.Dispose();
    }

    [Fact]
    public void GatherBatchCopiesRowsInOrder()
    {
        using var data = DataSet.FromClassification<float>([1, 2, 3, 4, 5, 6], 2, [0, 1, 2]);
        float[] x = new float[4], y = new float[6];
        data.GatherBatch([2, 0], x, y);
        Assert.Equal([5f, 6, 1, 2], x);
        Assert.Equal([0f, 0, 1, 1, 0, 0], y);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.GatherBatch([3], x, y));
    }

    [Fact]
    public void NonFiniteFeaturesAndBadLabelsAreRejected()
    {
        var error = Assert.Throws<ArgumentException>(() => DataSet.FromClassification<float>([1, float.NaN], 1, [0, 1]));
        Assert.Contains("sample 2", error.Message);
        error = Assert.Throws<ArgumentException>(() => DataSet.FromClassification<float>([1, 2], 1, [0, 3], ["a", "b"]));
        Assert.Contains("label 3", error.Message);
        Assert.Throws<ArgumentException>(() => DataSet.FromClassification<float>([1, 2, 3], 2, [0]));
    }

    [Fact]
    public void OneHotAndArgMaxRoundTrip()
    {
        int[] labels = [2, 0, 1, 2];
        float[] oneHot = new float[12];
        Categorical.ToOneHot<float>(labels, 3, oneHot);
        int[] back = new int[4];
        Categorical.ArgMax<float>(oneHot, 3, back);
        Assert.Equal(labels, back);
        Assert.Throws<ArgumentOutOfRangeException>(() => Categorical.ToOneHot<float>([3], 3, new float[3]));
    }

    [Fact]
    public void MinMaxScalerMapsTrainingRangeToUnitInterval()
    {
        using var data = DataSet.FromClassification<double>([0, 5, 10, 5, 5, 5], 2, [0, 1, 0]);
        FeatureScaler scaler = FeatureScaler.Fit(data, ScalingKind.MinMax);
        scaler.Transform(data);
        Assert.Equal([0.0, 0, 1, 0, 0.5, 0], data.Features.ToArray()); // the constant second feature maps to 0
        double[] raw = [20, 5];
        scaler.Transform<double>(raw);
        Assert.Equal([2.0, 0], raw); // fitted on training data only: new data may leave [0, 1]
    }

    [Fact]
    public void StandardScalerCentresAndScales()
    {
        using var data = DataSet.FromRegression<double>([1, 2, 3, 4], 1, [0, 0, 0, 0], 1);
        FeatureScaler scaler = FeatureScaler.Fit(data, ScalingKind.Standard);
        scaler.Transform(data);
        double[] x = data.Features.ToArray();
        Assert.Equal(0, x.Average(), 12);
        Assert.Equal(1, Math.Sqrt(x.Select(v => v * v).Average()), 12);
    }

    [Fact]
    public void BlobsAreLinearlySeparableByNearestCentre()
    {
        // Two blobs at the default spread: the perceptron rule converges (zero mistakes in an epoch), which happens
        // only on linearly separable data.
        using DataSet<double> blobs = Synthetic.Blobs<double>(400, seed: 2);
        Assert.Equal(400, blobs.Count);
        Assert.Equal(2, blobs.TargetCount);
        var perceptron = new Nn.Models.Perceptron(2);
        Nn.Models.PerceptronResult result = perceptron.Fit(blobs, maxEpochs: 200, shuffleSeed: 1);
        Assert.True(result.Converged, $"mistakes per epoch: {string.Join(", ", result.MistakesPerEpoch.Take(20))}");

        // And every sample is nearer its own class's mean than the other's.
        double[] x = blobs.Features.ToArray();
        int[] labels = blobs.Labels.ToArray();
        var means = new double[2, 2];
        var counts = new int[2];
        for (int i = 0; i < blobs.Count; i++)
        {
            counts[labels[i]]++;
            for (int f = 0; f < 2; f++) means[labels[i], f] += x[i * 2 + f];
        }
        for (int c = 0; c < 2; c++) for (int f = 0; f < 2; f++) means[c, f] /= counts[c];
        for (int i = 0; i < blobs.Count; i++)
        {
            double Distance(int c) => Math.Pow(x[i * 2] - means[c, 0], 2) + Math.Pow(x[i * 2 + 1] - means[c, 1], 2);
            Assert.True(Distance(labels[i]) < Distance(1 - labels[i]), $"sample {i} is nearer the other class's centre");
        }
    }

    [Fact]
    public void XorMatchesTheLectures()
    {
        using DataSet<float> xor = Synthetic.Xor<float>();
        Assert.Equal([0f, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1], xor.Features.ToArray());
        Assert.Equal([0f, 1, 1, 0], xor.Targets.ToArray());
    }
}
