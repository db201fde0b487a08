using System.Numerics;
using System.Numerics.Tensors;

namespace Nn.Data;

/// <summary>Class indices to one-hot rows (Keras' to_categorical) and network outputs back to classes (argmax).</summary>
public static class Categorical
{
    /// <summary>Writes one one-hot row of <paramref name="classes"/> values per label.</summary>
    /// <exception cref="ArgumentException">The destination is not labels × classes long.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static void ToOneHot<T>(ReadOnlySpan<int> labels, int classes, Span<T> destination) where T : INumberBase<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (destination.Length != labels.Length * classes)
        {
            throw new ArgumentException($"{labels.Length} labels × {classes} classes need {labels.Length * classes} values, not {destination.Length}.", nameof(destination));
        }
        destination.Clear();
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {i} is {labels[i]}, outside [0, {classes}).");
            }
            destination[i * classes + labels[i]] = T.One;
        }
    }

    /// <summary>The index of the largest output in each row of <paramref name="outputs"/> (rows × classes).</summary>
    public static void ArgMax<T>(ReadOnlySpan<T> outputs, int classes, Span<int> predictions) where T : INumber<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        if (outputs.Length != predictions.Length * classes)
        {
            throw new ArgumentException($"{predictions.Length} predictions × {classes} classes need {predictions.Length * classes} outputs, not {outputs.Length}.", nameof(outputs));
        }
        for (int i = 0; i < predictions.Length; i++)
        {
            predictions[i] = TensorPrimitives.IndexOfMax(outputs.Slice(i * classes, classes));
        }
    }
}
