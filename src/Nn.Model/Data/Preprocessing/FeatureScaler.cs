using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Data;

/// <summary>Which per-feature transform a <see cref="FeatureScaler"/> applies.</summary>
public enum ScalingKind
{
    /// <summary>Features pass through unchanged.</summary>
    None,

    /// <summary>x' = (x − min) / (max − min), mapping the training range to [0, 1].</summary>
    MinMax,

    /// <summary>x' = (x − mean) / standard deviation (population), fitted on the training data.</summary>
    Standard,
}

/// <summary>
/// A per-feature affine transform x' = x·scale + shift, fitted on training data only and kept with the model,
/// so prediction and the ONNX export apply exactly the same transform to raw inputs. Features that are constant
/// in the training data get scale 1 (min-max: shifted to 0; standard: centred), never a division by zero.
/// </summary>
/// <remarks>Thread safety: immutable; Transform may run on several threads at once.</remarks>
public sealed class FeatureScaler
{
    private readonly double[] _scale;
    private readonly double[] _shift;
    private readonly float[] _scale32, _shift32;

    private FeatureScaler(ScalingKind kind, double[] scale, double[] shift)
    {
        Kind = kind;
        _scale = scale;
        _shift = shift;
        _scale32 = Array.ConvertAll(scale, v => (float)v);
        _shift32 = Array.ConvertAll(shift, v => (float)v);
    }

    /// <summary>The kind of transform.</summary>
    public ScalingKind Kind { get; }

    /// <summary>Number of features.</summary>
    public int FeatureCount => _scale.Length;

    /// <summary>Per-feature multiplier.</summary>
    public IReadOnlyList<double> Scale => _scale;

    /// <summary>Per-feature offset added after scaling.</summary>
    public IReadOnlyList<double> Shift => _shift;

    /// <summary>A transform that changes nothing.</summary>
    public static FeatureScaler None(int featureCount) =>
        new(ScalingKind.None, Enumerable.Repeat(1.0, featureCount).ToArray(), new double[featureCount]);

    /// <summary>Rebuilds a stored transform (from a checkpoint or an ONNX file).</summary>
    /// <exception cref="ArgumentException">The arrays differ in length or hold non-finite values.</exception>
    public static FeatureScaler FromParameters(ScalingKind kind, IReadOnlyList<double> scale, IReadOnlyList<double> shift)
    {
        if (scale.Count != shift.Count || scale.Any(v => !double.IsFinite(v)) || shift.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Scaler parameters must be two finite arrays of the same length.");
        }
        return new FeatureScaler(kind, scale.ToArray(), shift.ToArray());
    }

    /// <summary>Fits the transform on <paramref name="training"/> (never on validation or test data).</summary>
    public static FeatureScaler Fit<T>(DataSet<T> training, ScalingKind kind) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(training);
        int d = training.FeatureCount;
        if (kind == ScalingKind.None)
        {
            return None(d);
        }
        var first = new double[d];
        var second = new double[d];
        ReadOnlySpan<T> x = training.Features;
        if (kind == ScalingKind.MinMax)
        {
            Array.Fill(first, double.PositiveInfinity);
            Array.Fill(second, double.NegativeInfinity);
            for (int i = 0; i < x.Length; i++)
            {
                double v = double.CreateChecked(x[i]);
                int f = i % d;
                first[f] = Math.Min(first[f], v);
                second[f] = Math.Max(second[f], v);
            }
            var scale = new double[d];
            var shift = new double[d];
            for (int f = 0; f < d; f++)
            {
                double range = second[f] - first[f];
                scale[f] = range > 0 ? 1.0 / range : 1.0;
                shift[f] = -first[f] * scale[f];
            }
            return new FeatureScaler(kind, scale, shift);
        }
        // Standard: two-pass mean and variance in double.
        for (int i = 0; i < x.Length; i++) first[i % d] += double.CreateChecked(x[i]);
        int n = training.Count;
        for (int f = 0; f < d; f++) first[f] /= n;
        for (int i = 0; i < x.Length; i++)
        {
            double deviation = double.CreateChecked(x[i]) - first[i % d];
            second[i % d] += deviation * deviation;
        }
        var standardScale = new double[d];
        var standardShift = new double[d];
        for (int f = 0; f < d; f++)
        {
            double deviation = Math.Sqrt(second[f] / n);
            standardScale[f] = deviation > 0 ? 1.0 / deviation : 1.0;
            standardShift[f] = -first[f] * standardScale[f];
        }
        return new FeatureScaler(kind, standardScale, standardShift);
    }

    /// <summary>Transforms rows of <see cref="FeatureCount"/> features in place: x ← x·scale + shift.</summary>
    /// <exception cref="ArgumentException">The length is not a whole number of rows.</exception>
    public void Transform<T>(Span<T> features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = FeatureCount;
        if (d == 0 || features.Length % d != 0)
        {
            throw new ArgumentException($"{features.Length} values are not a whole number of rows of {d} features.", nameof(features));
        }
        if (Kind == ScalingKind.None)
        {
            return;
        }
        if (typeof(T) == typeof(float))
        {
            Apply(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(features), _scale32, _shift32);
        }
        else if (typeof(T) == typeof(double))
        {
            Apply(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(features), _scale, _shift);
        }
        else
        {
            throw new NotSupportedException($"Scaling supports float and double, not {typeof(T).Name}.");
        }
    }

    /// <summary>Transforms a data set's features in place.</summary>
    public void Transform<T>(DataSet<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.FeatureCount != FeatureCount)
        {
            throw new ArgumentException($"The scaler was fitted on {FeatureCount} features but {data.Source} has {data.FeatureCount}.", nameof(data));
        }
        Transform(data.MutableFeatures);
    }

    private static void Apply<TValue>(Span<TValue> features, TValue[] scale, TValue[] shift) where TValue : IFloatingPointIeee754<TValue>
    {
        for (int offset = 0; offset < features.Length; offset += scale.Length)
        {
            Span<TValue> row = features.Slice(offset, scale.Length);
            TensorPrimitives.MultiplyAdd<TValue>(row, scale, shift, row);
        }
    }
}
