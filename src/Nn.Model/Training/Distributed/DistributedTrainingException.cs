namespace Nn.Training;

/// <summary>
/// The ranks of a data-parallel run disagree (different data, network, options or BLAS provider), or their replicas
/// drifted apart. Every rank throws it at the same point, so none is left waiting in a collective.
/// </summary>
public sealed class DistributedTrainingException(string message) : Exception(message);
