using Nn.Data;
using Nn.Testing;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

public sealed class FashionMnistTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void ReluMlpWithAdamReachesEightyEightPercentWithinTenEpochs()
    {
        string directory = OptionalData.RequireFashionMnist();
        (DataSet<float> train, DataSet<float> test) = FashionMnist.Load<float>(directory);
        using (train)
        using (test)
        {
            FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
            scaler.Transform(train);
            scaler.Transform(test);
            var architecture = new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
            var loss = new CategoricalCrossEntropy();
            double best = 0;
            var report = new Report(record =>
            {
                Evaluation result = Trainer.Evaluate(network, test, loss);
                best = Math.Max(best, result.Accuracy!.Value);
                output.WriteLine($"epoch {record.Epoch}: train loss {record.TrainingLoss:F4}, train acc {record.TrainingAccuracy:P2}, test acc {result.Accuracy:P2}, {record.Elapsed.TotalSeconds:F2} s");
            });
            Trainer.Fit(network, train, new TrainingOptions { Loss = loss, Optimizer = new Adam(1e-3), Epochs = 10, BatchSize = 128, Seed = 1, Callbacks = [report] });
            Assert.True(best >= 0.88, $"best test accuracy {best:P2} < 88%");
        }
    }

    [Fact]
    public void TheDocumentedRecipeReachesEightyNinePointFivePercentWithinTwentyEpochs()
    {
        // nn train --data fashion-mnist's default recipe (README): AdamW 1e-3 with decay 0.05, cosine over 20 epochs, batch 128.
        string directory = OptionalData.RequireFashionMnist();
        (DataSet<float> train, DataSet<float> test) = FashionMnist.Load<float>(directory);
        using (train)
        using (test)
        {
            FeatureScaler scaler = FeatureScaler.Fit(train, ScalingKind.MinMax);
            scaler.Transform(train);
            scaler.Transform(test);
            var architecture = new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = 1, Initializer = Initializer.HeNormal });
            var loss = new CategoricalCrossEntropy();
            Trainer.Fit(network, train, new TrainingOptions
            {
                Loss = loss, Optimizer = new AdamW(1e-3, 0.05), Schedule = LearningRateSchedule.Cosine(20), Epochs = 20, BatchSize = 128, Seed = 1,
            });
            double accuracy = Trainer.Evaluate(network, test, loss).Accuracy!.Value;
            output.WriteLine($"test accuracy after 20 epochs: {accuracy:P2} ({network.Provider.Name})");
            Assert.True(accuracy >= 0.895, $"test accuracy {accuracy:P2} < 89.5 %");
        }
    }

    private sealed class Report(Action<EpochRecord> onEpoch) : TrainingCallback
    {
        public override void OnEpochEnd(EpochRecord epoch) => onEpoch(epoch);
    }
}
