namespace Nn.Native.Distributed;

/// <summary>
/// The collectives synchronous data-parallel training needs, over a fixed group of ranks. Every rank must make the same
/// calls in the same order with the same lengths; a collective returns only when all ranks have joined it.
/// </summary>
/// <remarks>Thread safety: calls must be serialised (one at a time per process); the group is not for concurrent use.</remarks>
public interface ICommunicator
{
    /// <summary>This process's rank, 0 to <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>Number of ranks in the group.</summary>
    int Size { get; }

    /// <summary>What carries the collectives (library and version), for logs.</summary>
    string Description { get; }

    /// <summary>Replaces <paramref name="values"/> on every rank with the element-wise sum over all ranks; every rank gets identical bits.</summary>
    void AllReduceSum(Span<float> values);

    /// <inheritdoc cref="AllReduceSum(Span{float})"/>
    void AllReduceSum(Span<double> values);

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="data"/> into every other rank's.</summary>
    void Broadcast(Span<byte> data, int root);

    /// <summary>Gathers every rank's <paramref name="mine"/> (same length on all ranks) into <paramref name="all"/>, rank by rank, on every rank.</summary>
    void AllGather(ReadOnlySpan<byte> mine, Span<byte> all);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every rank of the group at once with <paramref name="exitCode"/>: the way out when one rank fails alone, so that none waits forever.</summary>
    void Abort(int exitCode);
}
