namespace Nn.Service;

/// <summary>How the prediction service runs.</summary>
public sealed record ServiceOptions
{
    /// <summary>The model file served: an Nn checkpoint or an ONNX file.</summary>
    public required string ModelPath { get; init; }

    /// <summary>TCP port on 127.0.0.1; 0 picks a free one (see <see cref="PredictionService.Address"/>).</summary>
    public int Port { get; init; } = 8080;

    /// <summary>Largest accepted request body; larger ones get 400.</summary>
    public int MaxBodyBytes { get; init; } = 16 << 20;

    /// <summary>Most samples in one request; more get 400.</summary>
    public int MaxRows { get; init; } = 10_000;

    /// <summary>Reload the model when its file changes (an atomic rename over it, as Nn's own saves do).</summary>
    public bool WatchModelFile { get; init; }
}
