using Nn.Native;

namespace Nn;

/// <summary>How a <see cref="Network{T}"/> is built.</summary>
public sealed record NetworkOptions
{
    /// <summary>Seed for weight initialisation; the same seed gives the same weights.</summary>
    public int Seed { get; init; }

    /// <summary>Weight initialisation; <see cref="Initializer.FanInNormal"/> by default.</summary>
    public Initializer Initializer { get; init; } = Initializer.FanInNormal;

    /// <summary>The BLAS provider for this network's matrix products; null means <see cref="Blas.Provider"/>.</summary>
    public BlasProvider? Provider { get; init; }
}
