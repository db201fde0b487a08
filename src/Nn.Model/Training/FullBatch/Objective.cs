using System.Numerics;
using Nn.Data;

namespace Nn.Training;

/// <summary>
/// The full-batch cost J(θ) and its gradient over all the data, in blocks of rows of at most
/// <see cref="FullBatch.BlockBytes"/> of inputs whose gradients add up in double. The blocks bound the network's
/// workspace on large data; they do not make an evaluation faster (measured on Fashion-MNIST softmax regression: blocks
/// of 4 MiB took twice as long, 16–32 MiB 5–20 % longer than one pass), so data of up to 256 MiB goes in one pass.
/// </summary>
internal sealed class Objective<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions options, long? blockBytes = null) : IObjective
    where T : unmanaged, IFloatingPointIeee754<T>
{
    internal static int BlockRowsFor(int features, long blockBytes) =>
        Math.Max(256, (int)Math.Min(int.MaxValue, blockBytes / (Math.Max(1, features) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())));

    private readonly int _blockRows = BlockRowsFor(data.FeatureCount, blockBytes ?? FullBatch.BlockBytes);
    private readonly List<double> _costs = [];
    private double _bestCost = double.PositiveInfinity;
    private double[]? _best;

    public bool Exhausted => _costs.Count >= options.MaxEvaluations;

    public double[] Start()
    {
        if (network.InputSize != data.FeatureCount || network.OutputSize != data.TargetCount)
        {
            throw new ArgumentException($"The data ({data.FeatureCount} features, {data.TargetCount} targets) does not fit the network ({network.InputSize} inputs, {network.OutputSize} outputs).");
        }
        if (options.MaxEvaluations < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxEvaluations, "MaxEvaluations must be at least 1.");
        if (!(options.GradientTolerance >= 0) || double.IsInfinity(options.GradientTolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.GradientTolerance, "GradientTolerance must be finite and non-negative.");
        }
        if (options.History < 1) throw new ArgumentOutOfRangeException(nameof(options), options.History, "History (L-BFGS pairs kept) must be at least 1.");
        if (!double.IsFinite(options.LearningRate) || options.LearningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, "LearningRate must be positive and finite.");
        }
        if (!double.IsFinite(options.L2) || options.L2 < 0) throw new ArgumentOutOfRangeException(nameof(options), options.L2, "L2 must be finite and non-negative.");
        loss.CheckTargets(data.Targets, data.TargetCount, $"the data ({data.Source})");
        var x = new double[network.ParameterCount];
        ReadOnlySpan<T> parameters = network.Parameters;
        for (int i = 0; i < x.Length; i++) x[i] = double.CreateChecked(parameters[i]);
        return x;
    }

    /// <summary>Sets θ = x, writes ∇J into <paramref name="gradient"/> and returns J.</summary>
    public double Evaluate(double[] x, double[] gradient)
    {
        Span<T> parameters = network.Parameters;
        for (int i = 0; i < x.Length; i++) parameters[i] = T.CreateChecked(x[i]);
        int m = data.Count, d = data.FeatureCount, k = data.TargetCount;
        ReadOnlySpan<T> features = data.Features, targets = data.Targets;
        Array.Clear(gradient);
        double lossSum = 0, penalty = 0;
        for (int start = 0; start < m; start += _blockRows)
        {
            int rows = Math.Min(_blockRows, m - start);
            // Each block's gradients are its rows' share of the mean over all m; the last block also takes λ/m·W.
            lossSum += double.CreateChecked(network.ComputeShardGradients(features.Slice(start * d, rows * d), targets.Slice(start * k, rows * k), rows, m, loss));
            if (start + rows == m) penalty = double.CreateChecked(network.AddL2(options.L2, m));
            ReadOnlySpan<T> g = network.Gradients;
            for (int i = 0; i < gradient.Length; i++) gradient[i] += double.CreateChecked(g[i]);
        }
        double cost = lossSum / m + penalty;
        _costs.Add(cost);
        if (_costs.Count == 1 && (!double.IsFinite(cost) || !double.IsFinite(Norm.Max(gradient))))
        {
            // Nothing better than the start exists yet, and the network holds the start (x is it): stop, as Trainer.Fit does.
            throw new TrainingDivergedException(1, 1, double.IsFinite(cost) ? "gradient" : "loss",
                $"The full-batch cost at the starting parameters is {cost} (or its gradient is not finite); nothing was changed. " +
                "Scale the inputs, lower L2, or start from other weights.");
        }
        if (cost < _bestCost)
        {
            _bestCost = cost;
            _best = (double[])x.Clone();
        }
        return cost;
    }

    /// <summary>Leaves the best parameters seen in the network.</summary>
    public FullBatchResult Finish(int iterations, bool converged)
    {
        Restore(_best!); // the first evaluation either set it or threw
        return new FullBatchResult(_costs.ToArray(), iterations, converged);
    }

    private void Restore(double[] values)
    {
        Span<T> parameters = network.Parameters;
        for (int i = 0; i < values.Length; i++) parameters[i] = T.CreateChecked(values[i]);
    }
}

/// <summary>Small dense vector helpers for the full-batch methods.</summary>
internal static class Norm
{
    public static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);

    // A network has at least one parameter, so the vectors are never empty (MaxMagnitude throws on an empty span).
    public static double Max(double[] a) => Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(a));

    // y ← y + a·x
    public static void Axpy(double a, double[] x, double[] y) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd<double>(x, a, y, y);
}
