using System.Numerics;
using Nn.Data;
using Nn.Native.Memory;

namespace Nn;

/// <summary>
/// What a user keeps after training: the network, the preprocessing fitted on the training data and the class
/// names. <see cref="Predict"/> takes raw inputs, exactly like the exported ONNX model does.
/// </summary>
/// <remarks>
/// Thread safety: not thread-safe (the network's buffers are reused): use one instance per thread, or serve with
/// <see cref="Serving.Predictor"/>. A second thread calling while a call is in progress gets InvalidOperationException.
/// </remarks>
public sealed class TrainedModel<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    // Allocated on the first prediction, so a constructor that refuses its arguments leaves nothing to free.
    private AlignedBuffer<T>? _scaled;
    private readonly SingleThreadGuard _guard = new($"TrainedModel<{typeof(T).Name}>");

    /// <summary>Bundles a network with its preprocessing; the model owns (and disposes) the network.</summary>
    public TrainedModel(Network<T> network, FeatureScaler? scaler = null, IReadOnlyList<string>? classNames = null, string? summary = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        scaler ??= FeatureScaler.None(network.InputSize);
        if (scaler.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"The scaler has {scaler.FeatureCount} features but the network takes {network.InputSize}.", nameof(scaler));
        }
        if (classNames is not null && classNames.Count != network.OutputSize && !(network.OutputSize == 1 && classNames.Count == 2))
        {
            throw new ArgumentException($"{classNames.Count} class names do not fit {network.OutputSize} outputs.", nameof(classNames));
        }
        Network = network;
        Scaler = scaler;
        ClassNames = classNames;
        Summary = summary ?? "";
    }

    /// <summary>The network.</summary>
    public Network<T> Network { get; }

    /// <summary>The preprocessing applied to raw inputs.</summary>
    public FeatureScaler Scaler { get; }

    /// <summary>Class names by output index, or null for regression.</summary>
    public IReadOnlyList<string>? ClassNames { get; }

    /// <summary>A one-line description of how the model was trained.</summary>
    public string Summary { get; }

    /// <summary>Scales raw inputs (batch × InputSize) and runs the network; outputs is batch × OutputSize.</summary>
    public void Predict(ReadOnlySpan<T> rawInputs, Span<T> outputs, int batch)
    {
        bool entered = _guard.Enter(nameof(Predict));
        try
        {
            PredictCore(rawInputs, outputs, batch);
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    private void PredictCore(ReadOnlySpan<T> rawInputs, Span<T> outputs, int batch)
    {
        if (rawInputs.Length != batch * Network.InputSize)
        {
            throw new ArgumentException($"The inputs hold {rawInputs.Length} values but {batch} samples × {Network.InputSize} features need {batch * Network.InputSize}.", nameof(rawInputs));
        }
        if (_scaled is null || _scaled.Length < rawInputs.Length)
        {
            _scaled?.Dispose();
            _scaled = new AlignedBuffer<T>(rawInputs.Length);
        }
        Span<T> scaled = _scaled.Slice(0, rawInputs.Length);
        rawInputs.CopyTo(scaled);
        Scaler.Transform(scaled);
        Network.Predict(scaled, outputs, batch);
    }

    /// <summary>Disposes the network and the scratch buffer.</summary>
    public void Dispose()
    {
        Network.Dispose();
        _scaled?.Dispose();
    }
}
