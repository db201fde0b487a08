using Nn.Data;
using Nn.Testing;
using Xunit;

namespace Nn.Model.Tests.Data;

public sealed class FashionMnistTests
{
    [Fact]
    public void LoadsSixtyThousandTrainingAndTenThousandTestImages()
    {
        string directory = OptionalData.RequireFashionMnist();
        (DataSet<float> train, DataSet<float> test) = FashionMnist.Load<float>(directory);
        using (train)
        using (test)
        {
            Assert.Equal(60000, train.Count);
            Assert.Equal(10000, test.Count);
            Assert.Equal(784, train.FeatureCount);
            Assert.Equal(FashionMnist.ClassNames, train.ClassNames);
            int[] counts = new int[10];
            foreach (int label in train.Labels) counts[label]++;
            Assert.All(counts, c => Assert.Equal(6000, c));
            Assert.Equal(255f, train.Features.ToArray().Max());
        }
    }

    [Fact]
    public void MissingDirectoryNamesWhereItLooked()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => FashionMnist.Load<float>("/nonexistent/fmnist"));
        Assert.Contains("/nonexistent/fmnist", error.Message);
        Assert.Contains("dataset-fashion-mnist", error.Message);
    }
}
