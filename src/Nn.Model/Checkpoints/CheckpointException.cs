namespace Nn.Checkpoints;

/// <summary>A checkpoint file cannot be used: wrong magic or version, a bad checksum, sizes that contradict the file, or contents that do not form a model. The message names the file and the problem.</summary>
public sealed class CheckpointException(string message, Exception? inner = null) : Exception(message, inner);
