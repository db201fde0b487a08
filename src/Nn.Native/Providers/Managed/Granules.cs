namespace Nn.Native.Providers.Managed;

/// <summary>
/// How a range of work is shared among the parts of a <see cref="WorkerPool"/> job: contiguous blocks of whole granules
/// (a micro-kernel's rows or columns, a run of samples, a cache-friendly run of elements), as equal as the granules
/// allow, in part order, so that only the last block can be ragged. The blocks tile [0, extent) exactly; some may be empty.
/// </summary>
internal static class Granules
{
    /// <summary>The block of [0, <paramref name="extent"/>) that part <paramref name="part"/> of <paramref name="parts"/> takes.</summary>
    public static (int First, int Count) Block(int extent, int parts, int part, int granule)
    {
        int granules = (extent + granule - 1) / granule;
        int first = (int)((long)granules * part / parts) * granule;
        int last = Math.Min(extent, (int)((long)granules * (part + 1) / parts) * granule);
        return (first, Math.Max(0, last - first));
    }
}
