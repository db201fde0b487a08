namespace Nn.Models;

/// <summary>An architecture with the loss and initialisation it is meant to be trained with.</summary>
public sealed record Recipe(Sequential Architecture, Loss Loss, Initializer Initializer)
{
    /// <summary>Network options with this recipe's initialiser and the given seed.</summary>
    public NetworkOptions Options(int seed = 0) => new() { Seed = seed, Initializer = Initializer };
}

/// <summary>The lectures' classic models as ready-made recipes.</summary>
public static class Recipes
{
    /// <summary>Multiclass linear SVM: scores s = Wx + b (no hidden layer), hinge loss with margin 1. Add L2 through the training options.</summary>
    public static Recipe LinearSvm(int features, int classes) =>
        new(new Sequential(new Dense(features, classes), new Identity()), new Hinge(), Initializer.FanInNormal);

    /// <summary>Softmax regression: softmax(Wx + b) with categorical cross-entropy (no hidden layer).</summary>
    public static Recipe SoftmaxRegression(int features, int classes) =>
        new(new Sequential(new Dense(features, classes), new Softmax()), new CategoricalCrossEntropy(), Initializer.FanInNormal);

    /// <summary>The lectures' XOR network: 3 inputs (two bits and a constant 1), 4 sigmoid hidden units, 1 sigmoid output, weights U(−1, 1), MSE.</summary>
    public static Recipe Xor() =>
        new(new Sequential(new Dense(3, 4), new Sigmoid(), new Dense(4, 1), new Sigmoid()), new MeanSquaredError(), Initializer.Uniform(1));

    /// <summary>A multilayer perceptron with ReLU hidden layers and a softmax output, trained with cross-entropy, He-initialised.</summary>
    public static Recipe Classifier(int features, int classes, params int[] hidden)
    {
        var layers = new List<Layer>();
        int width = features;
        foreach (int units in hidden)
        {
            layers.Add(new Dense(width, units));
            layers.Add(new Relu());
            width = units;
        }
        layers.Add(new Dense(width, classes));
        layers.Add(new Softmax());
        return new Recipe(new Sequential([.. layers]), new CategoricalCrossEntropy(), Initializer.HeNormal);
    }
}
