using System.Numerics;

namespace Nn;

/// <summary>
/// Verifies backpropagation against centred differences (J(θ+ε) − J(θ−ε)) / 2ε, parameter by parameter.
/// It is a test of the engine, never a way to train: it costs two forward passes per checked parameter.
/// </summary>
public static class GradientCheck
{
    /// <summary>
    /// Compares the analytic gradient of <paramref name="loss"/> (plus the L2 term) with the numeric one
    /// on every parameter, or on a random sample per layer when <see cref="GradientCheckOptions.SamplesPerLayer"/> is set.
    /// The network's parameters are restored exactly afterwards.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network contains a Step activation.</exception>
    public static GradientCheckReport Run<T>(Network<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets,
        int batch, Loss loss, GradientCheckOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new GradientCheckOptions();
        network.ComputeGradients(inputs, targets, batch, loss, options.L2);
        return Compare(network, network.Gradients.ToArray(), inputs, targets, batch, loss, options);
    }

    /// <summary>Compares a given analytic gradient with centred differences (tests feed it a broken one to see the check fail).</summary>
    internal static GradientCheckReport Compare<T>(Network<T> network, T[] analytic, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets,
        int batch, Loss loss, GradientCheckOptions options) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool isDouble = typeof(T) == typeof(double);
        double epsilonValue = options.Epsilon ?? (isDouble ? 1e-5 : 1e-2);
        double floor = options.RelativeErrorFloor ?? (isDouble ? 1e-4 : 1e-2);
        T epsilon = T.CreateChecked(epsilonValue);
        var random = new Random(options.Seed);
        var layers = new List<LayerGradientCheck>();

        for (int l = 0; l < network.LayerCount; l++)
        {
            DenseLayout layout = network.Layouts[l];
            var weights = new Extremes();
            var biases = new Extremes();
            foreach (int index in Select(layout.WeightOffset, layout.WeightCount, options.SamplesPerLayer, random))
            {
                weights.Add(analytic[index], Numeric(network, inputs, targets, batch, loss, options.L2, index, epsilon), floor);
            }
            foreach (int index in Select(layout.BiasOffset, layout.Outputs, options.SamplesPerLayer, random))
            {
                biases.Add(analytic[index], Numeric(network, inputs, targets, batch, loss, options.L2, index, epsilon), floor);
            }
            layers.Add(new LayerGradientCheck(l, weights.Count, weights.MaxRelative, weights.MaxAbsolute,
                biases.Count, biases.MaxRelative, biases.MaxAbsolute));
        }
        return new GradientCheckReport(layers, epsilonValue, floor);
    }

    private static T Numeric<T>(Network<T> network, ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch,
        Loss loss, double l2, int index, T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> parameters = network.Parameters;
        T original = parameters[index];
        parameters[index] = original + epsilon;
        T plus = network.ComputeLoss(inputs, targets, batch, loss, l2);
        parameters[index] = original - epsilon;
        T minus = network.ComputeLoss(inputs, targets, batch, loss, l2);
        parameters[index] = original;
        return (plus - minus) / (epsilon + epsilon);
    }

    private static IEnumerable<int> Select(int offset, int count, int? samples, Random random)
    {
        if (samples is not { } wanted || wanted >= count)
        {
            return Enumerable.Range(offset, count);
        }
        return Enumerable.Range(offset, count).OrderBy(_ => random.Next()).Take(wanted).Order().ToArray();
    }

    private sealed class Extremes
    {
        public int Count;
        public double MaxRelative;
        public double MaxAbsolute;

        public void Add<T>(T analytic, T numeric, double floor) where T : INumberBase<T>
        {
            double a = double.CreateChecked(analytic), n = double.CreateChecked(numeric);
            double absolute = Math.Abs(a - n);
            double relative = absolute == 0 ? 0 : absolute / Math.Max(Math.Max(Math.Abs(a), Math.Abs(n)), floor);
            if (double.IsNaN(relative)) relative = double.PositiveInfinity;
            Count++;
            MaxRelative = Math.Max(MaxRelative, relative);
            MaxAbsolute = Math.Max(MaxAbsolute, absolute);
        }
    }
}

/// <summary>Settings for <see cref="GradientCheck.Run{T}"/>.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>
    /// The step ε of the centred difference. Default: 1e-5 for double (near the optimum where the truncation
    /// error ~ε² and the rounding error ~ulp(J)/ε balance, both ~1e-11), 1e-2 for float (which agrees only to ~1e-2).
    /// </summary>
    public double? Epsilon { get; init; }

    /// <summary>L2 coefficient λ of the cost being checked.</summary>
    public double L2 { get; init; }

    /// <summary>Check at most this many weights and this many biases per layer, chosen at random; null checks all.</summary>
    public int? SamplesPerLayer { get; init; }

    /// <summary>Seed for choosing the sample.</summary>
    public int Seed { get; init; }

    /// <summary>
    /// The relative error is |a − n| / max(|a|, |n|, floor). Centred differences carry a rounding noise of about
    /// ulp(J)/ε (~1e-11 in double), so for gradients near zero (dead ReLUs, saturated units, tiny biases) the plain
    /// ratio measures noise, not backpropagation. Default 1e-4 for double, 1e-2 for float: with a 1e-6 tolerance
    /// any absolute discrepancy above 1e-10 still fails.
    /// </summary>
    public double? RelativeErrorFloor { get; init; }
}

/// <summary>Maximum errors for one dense layer's weights and biases.</summary>
public sealed record LayerGradientCheck(int Layer, int WeightsChecked, double WeightsMaxRelativeError, double WeightsMaxAbsoluteError,
    int BiasesChecked, double BiasesMaxRelativeError, double BiasesMaxAbsoluteError)
{
    /// <summary>The larger of the weight and bias relative errors.</summary>
    public double MaxRelativeError => Math.Max(WeightsMaxRelativeError, BiasesMaxRelativeError);
}

/// <summary>The result of a gradient check: per-layer maxima and the overall maximum relative error.</summary>
public sealed record GradientCheckReport(IReadOnlyList<LayerGradientCheck> Layers, double Epsilon, double RelativeErrorFloor)
{
    /// <summary>The largest relative error over every checked parameter.</summary>
    public double MaxRelativeError => Layers.Max(l => l.MaxRelativeError);

    /// <summary>True when every relative error is at most <paramref name="tolerance"/>.</summary>
    public bool Passes(double tolerance) => MaxRelativeError <= tolerance;

    /// <summary>A small table, one line per layer.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"gradient check (centred differences, eps = {Epsilon:G3}, relative-error floor {RelativeErrorFloor:G3})", "layer  params  max rel. error (W / b)   max abs. error (W / b)" };
        foreach (LayerGradientCheck l in Layers)
        {
            lines.Add($"{l.Layer,5}  {l.WeightsChecked + l.BiasesChecked,6}  {l.WeightsMaxRelativeError,10:E2} / {l.BiasesMaxRelativeError,-10:E2}  {l.WeightsMaxAbsoluteError,10:E2} / {l.BiasesMaxAbsoluteError:E2}");
        }
        lines.Add($"max relative error: {MaxRelativeError:E2}");
        return string.Join(Environment.NewLine, lines);
    }
}
