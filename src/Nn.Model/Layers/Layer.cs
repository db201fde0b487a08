namespace Nn;

/// <summary>
/// One element of a <see cref="Sequential"/> architecture: a <see cref="Dense"/> layer or an
/// <see cref="Activation"/>. Layers are immutable descriptions; a <see cref="Network{T}"/> owns the numbers.
/// </summary>
/// <remarks>Thread safety: immutable, safe to share.</remarks>
public abstract class Layer
{
    private protected Layer()
    {
    }
}
