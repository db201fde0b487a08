using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Nn.Native.Distributed;

namespace Nn.Training;

/// <summary>Checks that the ranks of a data-parallel run hold bit-identical weights.</summary>
public static class Replicas
{
    /// <summary>
    /// Every rank's SHA-256 of <paramref name="parameters"/> (hex, by rank), gathered on every rank; throws when any
    /// differs from rank 0's. A collective: every rank must call it.
    /// </summary>
    /// <param name="when">Starts the message, e.g. "After epoch 3".</param>
    /// <exception cref="DistributedTrainingException">A rank's weights differ from rank 0's.</exception>
    public static string[] CheckIdentical<T>(ICommunicator group, ReadOnlySpan<T> parameters, string when) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(group);
        byte[] mine = SHA256.HashData(MemoryMarshal.AsBytes(parameters));
        byte[] all = new byte[mine.Length * group.Size];
        group.AllGather(mine, all);
        string[] hashes = Enumerable.Range(0, group.Size).Select(r => Convert.ToHexStringLower(all, r * mine.Length, mine.Length)).ToArray();
        int differs = Array.FindIndex(hashes, h => h != hashes[0]);
        if (differs > 0)
        {
            throw new DistributedTrainingException($"{when}, rank {differs}'s weights differ from rank 0's (SHA-256 {hashes[differs][..16]}… against " +
                $"{hashes[0][..16]}…): the all-reduce did not give every rank the same sums.");
        }
        return hashes;
    }
}
