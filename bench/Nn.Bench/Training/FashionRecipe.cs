using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.Training;

namespace Nn.Bench.Training;

/// <summary>
/// fashion-recipe: trains candidate Fashion-MNIST recipes for 20 epochs each (seed 1, the whole training set, the test set
/// scored after every epoch) and prints test accuracy per epoch, the best, the last and the training time to 88 %.
/// </summary>
internal static class FashionRecipe
{
    private sealed record Recipe(string Name, int[] Hidden, Func<Optimizer> Optimizer, Func<LearningRateSchedule> Schedule, double L2, int Batch, ScalingKind Scaling);

    public static int Run(string[] args)
    {
        Recipe[] recipes =
        [
            new("plain: 256-128, Adam 1e-3, batch 128", [256, 128], () => new Adam(1e-3), () => LearningRateSchedule.Constant, 0, 128, ScalingKind.MinMax),
            new("256-128, AdamW 1e-3 wd 0.05, cosine", [256, 128], () => new AdamW(1e-3, 0.05), () => LearningRateSchedule.Cosine(20), 0, 128, ScalingKind.MinMax),
            new("512-256, AdamW 1e-3 wd 0.05, cosine", [512, 256], () => new AdamW(1e-3, 0.05), () => LearningRateSchedule.Cosine(20), 0, 128, ScalingKind.MinMax),
            new("512-256, Adam 1e-3, L2 3, cosine, standard", [512, 256], () => new Adam(1e-3), () => LearningRateSchedule.Cosine(20), 3, 128, ScalingKind.Standard),
        ];
        IEnumerable<Recipe> chosen = args.Length > 1 ? args.Skip(1).Select(i => recipes[int.Parse(i, CultureInfo.InvariantCulture)]) : recipes;
        foreach (Recipe recipe in chosen)
        {
            (DataSet<float> train, DataSet<float> test) = FashionBench.LoadScaled(recipe.Scaling);
            using (train)
            using (test)
            {
                using var network = new Network<float>(Nn.Models.Recipes.Classifier(784, 10, recipe.Hidden).Architecture, new NetworkOptions { Seed = 1, Initializer = Initializer.HeNormal });
                var loss = new CategoricalCrossEntropy();
                var accuracies = new List<double>();
                double trainingSeconds = 0, to88 = double.NaN;
                var score = new FashionBench.EpochHook(record =>
                {
                    trainingSeconds += record.Elapsed.TotalSeconds;
                    double accuracy = Trainer.Evaluate(network, test, loss).Accuracy!.Value;
                    accuracies.Add(accuracy);
                    if (double.IsNaN(to88) && accuracy >= 0.88) to88 = trainingSeconds;
                });
                Trainer.Fit(network, train, new TrainingOptions
                {
                    Loss = loss, Optimizer = recipe.Optimizer(), Schedule = recipe.Schedule(), Epochs = 20, BatchSize = recipe.Batch, L2 = recipe.L2, Seed = 1, Callbacks = [score],
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{recipe.Name}: best {accuracies.Max():P2} (epoch {accuracies.IndexOf(accuracies.Max()) + 1}), last {accuracies[^1]:P2}, 88 % after {to88:F2} s of training, {trainingSeconds:F1} s in all"));
                Console.WriteLine("  per epoch: " + string.Join(" ", accuracies.Select(a => a.ToString("P1", CultureInfo.InvariantCulture))));
            }
        }
        return 0;
    }
}
