using System.Numerics;
using Nn.Data;

namespace Nn.Training;

/// <summary>The full-batch cost J(θ) and its gradient, evaluated by the network on all the data at once.</summary>
internal sealed class Objective<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions options)
    where T : unmanaged, IFloatingPointIeee754<T>
{
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
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEvaluations, 1);
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
        double cost = double.CreateChecked(network.ComputeGradients(data.Features, data.Targets, data.Count, loss, options.L2));
        ReadOnlySpan<T> g = network.Gradients;
        for (int i = 0; i < gradient.Length; i++) gradient[i] = double.CreateChecked(g[i]);
        _costs.Add(cost);
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
        if (_best is not null)
        {
            Span<T> parameters = network.Parameters;
            for (int i = 0; i < _best.Length; i++) parameters[i] = T.CreateChecked(_best[i]);
        }
        return new FullBatchResult(_costs.ToArray(), iterations, converged);
    }
}

/// <summary>Small dense vector helpers for the full-batch methods.</summary>
internal static class Norm
{
    public static double Dot(double[] a, double[] b) => System.Numerics.Tensors.TensorPrimitives.Dot<double>(a, b);

    public static double Max(double[] a) => a.Length == 0 ? 0 : Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<double>(a));

    // y ← y + a·x
    public static void Axpy(double a, double[] x, double[] y) => System.Numerics.Tensors.TensorPrimitives.MultiplyAdd<double>(x, a, y, y);
}
