using System.Numerics;
using System.Numerics.Tensors;
using Nn.Data;

namespace Nn.Models;

/// <summary>What a perceptron's training did.</summary>
/// <param name="ConvergedEpoch">The 1-based epoch in which no sample was misclassified, or null if that never happened.</param>
/// <param name="MistakesPerEpoch">Misclassified samples in each epoch (summed over the one-vs-rest units).</param>
public sealed record PerceptronResult(int? ConvergedEpoch, IReadOnlyList<int> MistakesPerEpoch)
{
    /// <summary>Epochs run.</summary>
    public int Epochs => MistakesPerEpoch.Count;

    /// <summary>True when the data was separated.</summary>
    public bool Converged => ConvergedEpoch is not null;
}

/// <summary>
/// Rosenblatt's perceptron: ŷ = H(w·x + b) with the step H(z) = 1 for z ≥ 0, trained by the perceptron rule
/// w ← w + η(y − ŷ)x, b ← b + η(y − ŷ), one sample at a time. It converges on linearly separable data and
/// stops at the epoch limit otherwise. More than two classes are handled one-vs-rest: one unit per class,
/// predicting the class whose unit scores highest.
/// </summary>
/// <remarks>
/// With <c>averaged: true</c>, Fit returns the averaged perceptron (Freund &amp; Schapire): the mean of the weights over every
/// sample visit. The running weights learn by the same rule, but the average is what predicts. It generalises much
/// better on data that is not separable, e.g. 84 % against 78 % on Fashion-MNIST. It is kept in O(1) per mistake with a
/// second accumulator of each update times its step number: mean = w − Σ c·Δw / c.
/// Thread safety: Fit mutates; Predict may run concurrently with other Predict calls.
/// </remarks>
public sealed class Perceptron
{
    private readonly double[] _weights;
    private readonly double[] _biases;

    /// <summary>Creates an untrained perceptron (weights zero, which the perceptron rule allows).</summary>
    public Perceptron(int features, int classes = 2, double learningRate = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        }
        Features = features;
        Classes = classes;
        LearningRate = learningRate;
        Units = classes == 2 ? 1 : classes;
        _weights = new double[Units * features];
        _biases = new double[Units];
    }

    /// <summary>Inputs per sample.</summary>
    public int Features { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>η.</summary>
    public double LearningRate { get; }

    /// <summary>Step units: 1 for two classes, one per class otherwise.</summary>
    public int Units { get; }

    /// <summary>Weights, (units × features) row-major.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>Biases, one per unit.</summary>
    public ReadOnlySpan<double> Biases => _biases;

    /// <summary>Trains with the perceptron rule until an epoch has no mistakes or <paramref name="maxEpochs"/> pass.</summary>
    /// <param name="shuffleSeed">Visit samples in a per-epoch shuffled order fixed by this seed; null keeps the data order.</param>
    /// <param name="averaged">Keep the average of the weights over every sample visit as the result (the averaged
    /// perceptron); false (the lectures' rule) keeps the last weights. Averaging starts from the weights Fit starts with.</param>
    /// <exception cref="ArgumentException">The data is not a classification set with this perceptron's shape.</exception>
    public PerceptronResult Fit<T>(DataSet<T> data, int maxEpochs = 1000, int? shuffleSeed = null, bool averaged = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEpochs, 1);
        if (!data.IsClassification || data.FeatureCount != Features || data.TargetCount != Classes)
        {
            throw new ArgumentException($"The perceptron takes {Features} features and {Classes} classes; {data.Source} has {data.FeatureCount} features and {(data.IsClassification ? $"{data.TargetCount} classes" : "regression targets")}.");
        }
        int[] order = Enumerable.Range(0, data.Count).ToArray();
        Random? random = shuffleSeed is { } seed ? new Random(seed) : null;
        var mistakes = new List<int>();
        var x = new double[Features];
        // For the average: Σ c·Δw and Σ c·Δb over the updates, c counting sample visits from 1.
        double[]? weightedWeights = averaged ? new double[_weights.Length] : null;
        double[]? weightedBiases = averaged ? new double[_biases.Length] : null;
        double[]? startWeights = averaged ? (double[])_weights.Clone() : null;
        double[]? startBiases = averaged ? (double[])_biases.Clone() : null;
        long visits = 0;
        int? converged = null;
        for (int epoch = 1; epoch <= maxEpochs && converged is null; epoch++)
        {
            random?.Shuffle(order);
            int wrong = 0;
            foreach (int sample in order)
            {
                ReadOnlySpan<T> row = data.FeaturesOf(sample);
                for (int f = 0; f < Features; f++) x[f] = double.CreateChecked(row[f]);
                int label = data.Labels[sample];
                visits++;
                for (int u = 0; u < Units; u++)
                {
                    int target = Units == 1 ? label : (label == u ? 1 : 0);
                    int output = Score(u, x) >= 0 ? 1 : 0;
                    if (output == target) continue;
                    wrong++;
                    double update = LearningRate * (target - output);
                    Span<double> w = _weights.AsSpan(u * Features, Features);
                    TensorPrimitives.MultiplyAdd(x, update, w, w);
                    _biases[u] += update;
                    if (weightedWeights is not null)
                    {
                        Span<double> weighted = weightedWeights.AsSpan(u * Features, Features);
                        TensorPrimitives.MultiplyAdd(x, update * visits, weighted, weighted);
                        weightedBiases![u] += update * visits;
                    }
                }
            }
            mistakes.Add(wrong);
            if (wrong == 0) converged = epoch;
        }
        if (weightedWeights is not null && visits > 0)
        {
            // The mean of the weights after visits 1..C, with Δ_c the update at visit c and S = Σ c·Δ_c:
            // (1/C) Σ_c w_c = w₀ + Σ_c Δ_c·(C − c + 1)/C = w_C + (w_C − w₀ − S)/C.
            Average(_weights, startWeights!, weightedWeights, visits);
            Average(_biases, startBiases!, weightedBiases!, visits);
        }
        return new PerceptronResult(converged, mistakes);
    }

    private static void Average(Span<double> final, ReadOnlySpan<double> start, Span<double> weighted, long visits)
    {
        TensorPrimitives.Add(start, weighted, weighted);       // w₀ + S
        TensorPrimitives.Subtract(final, weighted, weighted);  // w_C − w₀ − S
        TensorPrimitives.MultiplyAdd(weighted, 1.0 / visits, final, final);
    }

    /// <summary>The predicted class of one sample.</summary>
    public int Predict(ReadOnlySpan<double> features)
    {
        if (features.Length != Features) throw new ArgumentException($"Expected {Features} features, got {features.Length}.", nameof(features));
        if (Units == 1) return Score(0, features) >= 0 ? 1 : 0;
        int best = 0;
        for (int u = 1; u < Units; u++) if (Score(u, features) > Score(best, features)) best = u;
        return best;
    }

    /// <summary>
    /// The perceptron as a network for inference and ONNX export: Dense + Step for two classes (output 1 = class 1),
    /// Dense + Identity scores for one-vs-rest (argmax = class).
    /// </summary>
    public Network<T> ToNetwork<T>(NetworkOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var network = new Network<T>(new Sequential(new Dense(Features, Units), Units == 1 ? new Step() : new Identity()), options);
        Span<T> w = network.Weights(0), b = network.Biases(0);
        for (int i = 0; i < _weights.Length; i++) w[i] = T.CreateChecked(_weights[i]);
        for (int i = 0; i < _biases.Length; i++) b[i] = T.CreateChecked(_biases[i]);
        return network;
    }

    private double Score(int unit, ReadOnlySpan<double> x) => _biases[unit] + TensorPrimitives.Dot(_weights.AsSpan(unit * Features, Features), x);
}
