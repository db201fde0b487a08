using Nn.Export;

namespace Nn.Service;

/// <summary>
/// The model being served, replaceable while requests run. A request reads <see cref="Current"/> once and uses that
/// model to the end, so a swap never changes a model under a running request; the old model is left to the garbage
/// collector (its predictor holds only managed memory) rather than disposed under a request that still holds it.
/// </summary>
/// <remarks>Thread safety: safe from any number of threads; swaps are serialised and each is atomic.</remarks>
public sealed class ModelHost
{
    private readonly Lock _swap = new();
    private ServedModel _current;
    private long _generation = 1;

    /// <summary>Loads the first model.</summary>
    public ModelHost(string path) => _current = ServedModel.Load(path);

    /// <summary>The model new requests use.</summary>
    public ServedModel Current => Volatile.Read(ref _current);

    /// <summary>How many models have been installed (1 for the first).</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Loads <paramref name="path"/> (default: the current model's path) and installs it. A file that fails to load changes nothing.</summary>
    public ServedModel Swap(string? path = null)
    {
        lock (_swap)
        {
            ServedModel next = ServedModel.Load(path ?? Current.Path);
            Volatile.Write(ref _current, next);
            Interlocked.Increment(ref _generation);
            return next;
        }
    }
}
