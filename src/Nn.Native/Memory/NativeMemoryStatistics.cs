namespace Nn.Native.Memory;

/// <summary>What the engine's aligned native allocations hold right now, for leak checks and diagnostics.</summary>
/// <remarks>Thread safety: the counters are updated atomically; reads are safe from any thread.</remarks>
public static class NativeMemoryStatistics
{
    /// <summary>Bytes held by live <see cref="AlignedBuffer{T}"/> instances.</summary>
    public static long LiveBytes => AlignedMemoryHandle.LiveBytes;

    /// <summary>Number of live native blocks.</summary>
    public static long LiveBlocks => AlignedMemoryHandle.LiveBlocks;
}
