using System.Numerics;
using System.Numerics.Tensors;
using Nn.Native;
using Nn.Native.Providers.Managed;

namespace Nn.Kernels;

/// <summary>
/// Splits the passes of a training step that are not GEMMs (Adam's update, the finite checks, the batch gather, a wide
/// hidden layer's activation forward and backward) across the managed provider's worker threads: the threads that run
/// its GEMMs, idle between them. Each part of a slab takes a contiguous range in whole granules of 64 elements (whole
/// rows for the forward pass), so every element sees the same arithmetic (and the same vector lanes) as in one pass, and
/// results do not depend on the split. A pool busy with another caller's job is not waited for: the pass then runs on
/// the calling thread.
/// </summary>
internal static class ElementwiseParts
{
    /// <summary>Elements below which one thread does the pass: handing half to a worker costs a few microseconds.</summary>
    internal const int MinimumCount = 32 * 1024;

    private const int Granule = 64;

    /// <summary>The pool to share a pass of <paramref name="count"/> elements with, or null to run it on this thread.</summary>
    public static WorkerPool? PoolFor(BlasProvider? provider, int count) =>
        count >= MinimumCount && provider is ManagedBlas { Pool: { Parallelism: > 1, IsDisposed: false } pool } ? pool : null;

    /// <summary>Whether a pass of <paramref name="count"/> elements is shared with <paramref name="provider"/>'s workers.</summary>
    public static bool Shares(BlasProvider? provider, int count) => PoolFor(provider, count) is not null;

    /// <summary>The elements part <paramref name="part"/> of <paramref name="parts"/> updates; the ranges tile [0, count) in order.</summary>
    public static (int First, int Length) Range(int count, int parts, int part) => Granules.Block(count, parts, part, Granule);

    /// <summary>
    /// True when every value is finite (an empty span too): the trainer's divergence check over the gradient and
    /// parameter slabs, twice a step, shared with the pool like the update pass.
    /// </summary>
    public static unsafe bool AllFinite<T>(BlasProvider? provider, ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (PoolFor(provider, values.Length) is { } pool)
        {
            fixed (T* start = values)
            {
                var check = new FiniteCheck { Values = start, Count = values.Length, Parts = pool.Parallelism };
                if (pool.TryRun(&CheckPart<T>, (IntPtr)(&check))) return check.NonFinite == 0;
            }
        }
        return Network<T>.AllFinite(values);
    }

    private static unsafe void CheckPart<T>(int part, IntPtr context) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref FiniteCheck check = ref *(FiniteCheck*)context;
        (int first, int length) = Range(check.Count, check.Parts, part);
        if (length > 0 && !TensorPrimitives.IsFiniteAll(new ReadOnlySpan<T>((T*)check.Values + first, length)))
        {
            Volatile.Write(ref check.NonFinite, 1);   // parts only ever set it, so no part's finding is lost
        }
    }

    private unsafe struct FiniteCheck
    {
        public void* Values;
        public int Count, Parts, NonFinite;
    }
}
