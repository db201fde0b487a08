using System.Numerics;
using Nn.Native.Memory;

namespace Nn.Data;

/// <summary>Builds data sets from arrays, checking what a file loader would check.</summary>
public static class DataSet
{
    /// <summary>A classification set: features (n × featureCount) and a class index per sample.</summary>
    /// <param name="classNames">Names of the classes by index; default "0", "1", ... up to the largest label.</param>
    /// <exception cref="ArgumentException">Lengths disagree, a feature is NaN or infinite, or a label is out of range.</exception>
    public static DataSet<T> FromClassification<T>(ReadOnlySpan<T> features, int featureCount, ReadOnlySpan<int> labels,
        IReadOnlyList<string>? classNames = null, string source = "(memory)") where T : unmanaged, IFloatingPointIeee754<T>
    {
        CheckFeatures(features, featureCount, labels.Length, source);
        int classes = classNames?.Count ?? (labels.Length == 0 ? 1 : MaxOf(labels) + 1);
        classNames ??= Enumerable.Range(0, classes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (classes < 1)
        {
            throw new ArgumentException("A classification data set needs at least one class.", nameof(classNames));
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentException($"{source}: sample {i + 1} has label {labels[i]}, outside [0, {classes}).", nameof(labels));
            }
        }
        var featureSlab = new AlignedBuffer<T>(features.Length);
        features.CopyTo(featureSlab.Span);
        var targets = new AlignedBuffer<T>(labels.Length * classes);
        Categorical.ToOneHot(labels, classes, targets.Span);
        return new DataSet<T>(featureSlab, featureCount, targets, classes, labels.ToArray(), classNames, source);
    }

    /// <summary>A regression set: features (n × featureCount) and targets (n × targetCount).</summary>
    /// <exception cref="ArgumentException">Lengths disagree or a value is NaN or infinite.</exception>
    public static DataSet<T> FromRegression<T>(ReadOnlySpan<T> features, int featureCount, ReadOnlySpan<T> targets, int targetCount,
        string source = "(memory)") where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetCount, 1);
        if (targets.Length % targetCount != 0)
        {
            throw new ArgumentException($"{targets.Length} targets are not a whole number of rows of {targetCount}.", nameof(targets));
        }
        int count = targets.Length / targetCount;
        CheckFeatures(features, featureCount, count, source);
        CheckFinite(targets, targetCount, source, "target");
        var featureSlab = new AlignedBuffer<T>(features.Length);
        features.CopyTo(featureSlab.Span);
        var targetSlab = new AlignedBuffer<T>(targets.Length);
        targets.CopyTo(targetSlab.Span);
        return new DataSet<T>(featureSlab, featureCount, targetSlab, targetCount, null, null, source);
    }

    private static void CheckFeatures<T>(ReadOnlySpan<T> features, int featureCount, int count, string source) where T : IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (features.Length != (long)count * featureCount)
        {
            throw new ArgumentException($"{count} samples × {featureCount} features need {(long)count * featureCount} values, not {features.Length}.", nameof(features));
        }
        CheckFinite(features, featureCount, source, "feature");
    }

    internal static void CheckFinite<T>(ReadOnlySpan<T> values, int width, string source, string what) where T : IFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                throw new ArgumentException($"{source}: sample {i / width + 1}, {what} {i % width + 1} is {values[i]}; data must be finite.");
            }
        }
    }

    private static int MaxOf(ReadOnlySpan<int> values)
    {
        int max = int.MinValue;
        foreach (int value in values) max = Math.Max(max, value);
        return max;
    }
}
