using Nn.Data;
using Nn.Models;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>The lectures' linear classifiers: networks without hidden layers, trained with L2.</summary>
public sealed class RecipeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("svm")]
    [InlineData("softmax")]
    public void LinearClassifiersLearnDigits(string kind)
    {
        (DataSet<float> train, DataSet<float> test) = TrainingTests.ScaledDigits();
        using (train)
        using (test)
        {
            Recipe recipe = kind == "svm" ? Recipes.LinearSvm(64, 10) : Recipes.SoftmaxRegression(64, 10);
            using var network = new Network<float>(recipe.Architecture, recipe.Options(seed: 1));
            Assert.Equal(1, network.LayerCount);
            Trainer.Fit(network, train, new TrainingOptions { Loss = recipe.Loss, Optimizer = new GradientDescent(0.05, momentum: 0.9), Epochs = 30, BatchSize = 32, L2 = 1.0 });
            Evaluation result = Trainer.Evaluate(network, test, recipe.Loss);
            output.WriteLine($"{recipe.Loss}: held-out accuracy {result.Accuracy:P2}");
            Assert.True(result.Accuracy > 0.93, $"accuracy {result.Accuracy:P2}");
        }
    }

    [Fact]
    public void L2ShrinksTheWeights()
    {
        (DataSet<float> train, DataSet<float> test) = TrainingTests.ScaledDigits();
        using (train)
        using (test)
        {
            double Norm(double l2)
            {
                Recipe recipe = Recipes.LinearSvm(64, 10);
                using var network = new Network<float>(recipe.Architecture, recipe.Options(seed: 1));
                Trainer.Fit(network, train, new TrainingOptions { Loss = recipe.Loss, Optimizer = new GradientDescent(0.05), Epochs = 10, L2 = l2 });
                return network.Weights(0).ToArray().Sum(w => (double)w * w);
            }
            Assert.True(Norm(50) < Norm(0) / 2);
        }
    }
}
