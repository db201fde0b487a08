namespace Nn.Native;

/// <summary>A BLAS provider was asked for but could not be loaded.</summary>
public sealed class BlasProviderUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BlasProviderUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
