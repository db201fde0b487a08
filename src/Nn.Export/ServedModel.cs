using System.Security.Cryptography;
using Nn.Checkpoints;
using Nn.Serving;

namespace Nn.Export;

/// <summary>
/// A model file loaded for serving: the <see cref="Predictor"/> plus where it came from. Accepts Nn checkpoints and ONNX
/// files (Nn's exports and PyTorch MLPs, through <see cref="OnnxImporter"/>); the format is recognised by content, not by extension.
/// </summary>
/// <remarks>Thread safety: immutable; share it freely (the predictor is thread-safe).</remarks>
public sealed class ServedModel : IDisposable
{
    private ServedModel(Predictor predictor, string path, string format, string sha256)
    {
        Predictor = predictor;
        Path = path;
        Format = format;
        Sha256 = sha256;
        LoadedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>The thread-safe predictor.</summary>
    public Predictor Predictor { get; }

    /// <summary>The full path the model was read from.</summary>
    public string Path { get; }

    /// <summary>"checkpoint" or "onnx".</summary>
    public string Format { get; }

    /// <summary>SHA-256 of the file's bytes, hex.</summary>
    public string Sha256 { get; }

    /// <summary>When the file was loaded.</summary>
    public DateTimeOffset LoadedAt { get; }

    /// <summary>Loads a checkpoint or an ONNX file.</summary>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="CheckpointException">A checkpoint that is damaged.</exception>
    /// <exception cref="OnnxImportException">An ONNX file that is not a supported MLP (or not ONNX at all).</exception>
    public static ServedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"Model file not found: {path}", path);
        }
        byte[] bytes = File.ReadAllBytes(full);
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (bytes.AsSpan().StartsWith("NNCKPT"u8))
        {
            Predictor fromCheckpoint = Checkpoint.ElementTypeOf(bytes, path) == typeof(double)
                ? FromModel(Checkpoint.Load<double>(bytes, path).Model)
                : FromModel(Checkpoint.Load<float>(bytes, path).Model);
            return new ServedModel(fromCheckpoint, full, "checkpoint", sha);
        }
        return new ServedModel(FromModel(OnnxImporter.Load<float>(bytes, path)), full, "onnx", sha);
    }

    /// <summary>Marks the predictor disposed; requests still running on it finish.</summary>
    public void Dispose() => Predictor.Dispose();

    private static Predictor FromModel<T>(TrainedModel<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using (model)
        {
            return Predictor.From(model);
        }
    }
}
