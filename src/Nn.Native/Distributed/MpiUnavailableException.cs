namespace Nn.Native.Distributed;

/// <summary>The MPI library could not be loaded or initialised; the message names what was tried and what to install.</summary>
public sealed class MpiUnavailableException(string message) : Exception(message);

/// <summary>An MPI call returned an error code.</summary>
public sealed class MpiException(string call, int code, string description) : Exception($"{call} failed with MPI error {code}: {description}")
{
    /// <summary>The MPI error code.</summary>
    public int ErrorCode { get; } = code;
}
