using System.Numerics;
using Nn.Files;
using Nn.Training;

namespace Nn.Checkpoints;

/// <summary>
/// Saves and loads Nn's own checkpoint format (<see cref="CheckpointFormat"/>): a trained model (architecture,
/// activations, preprocessing, class names, parameters in their own precision) and, for a training run, the
/// <see cref="TrainingState{T}"/> that resumes it bit for bit. Saving is atomic; loading checks magic, version,
/// sizes and a SHA-256 checksum and names the file and the problem when anything is off.
/// </summary>
/// <remarks>Thread safety: stateless; safe from several threads (concurrent saves to one path each land whole).</remarks>
public static class Checkpoint
{
    /// <summary>The customary file extension.</summary>
    public const string Extension = ".nnck";

    /// <summary>Encodes a model (and optionally its training state) as checkpoint bytes.</summary>
    public static byte[] ToBytes<T>(TrainedModel<T> model, TrainingState<T>? training = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        return CheckpointEncoder.Encode(model, training);
    }

    /// <summary>
    /// Writes a checkpoint to <paramref name="path"/> atomically: a temporary file in the same folder, flushed to disk,
    /// renamed over the target. A crash mid-save leaves the previous file intact.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static void Save<T>(string path, TrainedModel<T> model, TrainingState<T>? training = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        AtomicFile.Write(path, ToBytes(model, training));
    }

    /// <summary>Loads a model and, if the file has one, its training state. The caller owns (disposes) both.</summary>
    /// <exception cref="CheckpointException">The file is not a valid checkpoint of <typeparamref name="T"/> parameters.</exception>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    public static (TrainedModel<T> Model, TrainingState<T>? Training) Load<T>(string path, NetworkOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T> => Load<T>(ReadFile(path), path, options);

    /// <summary>Loads from bytes; <paramref name="name"/> is used in messages.</summary>
    /// <exception cref="CheckpointException">The bytes are not a valid checkpoint of <typeparamref name="T"/> parameters.</exception>
    public static (TrainedModel<T> Model, TrainingState<T>? Training) Load<T>(ReadOnlySpan<byte> bytes, string name, NetworkOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        try
        {
            return CheckpointDecoder.Decode<T>(bytes, options);
        }
        catch (Exception error) when (error is FormatException or ArgumentException or OverflowException)
        {
            throw new CheckpointException($"{name} is not a usable Nn checkpoint: {error.Message}.", error);
        }
    }

    /// <summary>Loads just the model (a training state in the file is skipped).</summary>
    public static TrainedModel<T> LoadModel<T>(string path, NetworkOptions? options = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        (TrainedModel<T> model, TrainingState<T>? training) = Load<T>(path, options);
        training?.Dispose();
        return model;
    }

    /// <summary>True when the file starts with the checkpoint magic (it may still be corrupt; Load checks the rest).</summary>
    public static bool HasMagic(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            Span<byte> start = stackalloc byte[8];
            return stream.ReadAtLeast(start, 8, throwOnEndOfStream: false) == 8 && start.SequenceEqual(CheckpointFormat.Magic);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The precision of the parameters in a checkpoint: typeof(float) or typeof(double).</summary>
    /// <exception cref="CheckpointException">The file is not a valid checkpoint.</exception>
    public static Type ElementTypeOf(ReadOnlySpan<byte> bytes, string name)
    {
        try
        {
            return CheckpointDecoder.ReadHeader(bytes).ElementSize == 4 ? typeof(float) : typeof(double);
        }
        catch (FormatException error)
        {
            throw new CheckpointException($"{name} is not a usable Nn checkpoint: {error.Message}.", error);
        }
    }

    internal static byte[] ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        }
        return File.ReadAllBytes(path);
    }
}
