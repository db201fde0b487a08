using System.Runtime.InteropServices;
using Nn.Native.Distributed;

namespace Nn.Model.Tests.Training.Distributed;

/// <summary>
/// Ranks as threads of one process, for testing data-parallel training without mpirun. Sums are taken in rank order on every
/// rank, so all ranks get identical bits (as MPI's reductions do). A rank that stops joining makes the others fail after a
/// timeout instead of hanging the test run.
/// </summary>
internal sealed class ThreadGroup
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly Barrier _barrier;
    private readonly byte[]?[] _slots;

    private ThreadGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new byte[size][];
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="size"/> ranks at once; returns each rank's result or exception.</summary>
    public static (TResult? Result, Exception? Error)[] Run<TResult>(int size, Func<ICommunicator, TResult> body)
    {
        var group = new ThreadGroup(size);
        var results = new (TResult?, Exception?)[size];
        Thread[] threads = Enumerable.Range(0, size).Select(rank => new Thread(() =>
        {
            try
            {
                results[rank] = (body(new Member(group, rank, size)), null);
            }
            catch (Exception error)
            {
                results[rank] = (default, error);
                group._barrier.RemoveParticipant();   // the others time out or finish instead of waiting for this rank
            }
        })).ToArray();
        foreach (Thread thread in threads) thread.Start();
        foreach (Thread thread in threads) thread.Join();
        return results;
    }

    private void Wait()
    {
        if (!_barrier.SignalAndWait(Timeout)) throw new TimeoutException("A rank did not join the collective.");
    }

    private sealed class Member(ThreadGroup group, int rank, int size) : ICommunicator
    {
        public int Rank => rank;

        public int Size => size;

        public string Description => $"{size} threads";

        public void AllReduceSum(Span<float> values) => Sum(values);

        public void AllReduceSum(Span<double> values) => Sum(values);

        public void Broadcast(Span<byte> data, int root)
        {
            if (rank == root) group._slots[root] = data.ToArray();
            group.Wait();
            if (rank != root) group._slots[root].AsSpan().CopyTo(data);
            group.Wait();
        }

        public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
        {
            group._slots[rank] = mine.ToArray();
            group.Wait();
            for (int r = 0; r < size; r++) group._slots[r].AsSpan().CopyTo(all[(r * mine.Length)..]);
            group.Wait();
        }

        public void Barrier() => group.Wait();

        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted with {exitCode}");

        private void Sum<T>(Span<T> values) where T : unmanaged, System.Numerics.INumber<T>
        {
            group._slots[rank] = MemoryMarshal.AsBytes(values).ToArray();
            group.Wait();
            values.Clear();
            for (int r = 0; r < size; r++)
            {
                ReadOnlySpan<T> other = MemoryMarshal.Cast<byte, T>(group._slots[r]);
                for (int i = 0; i < values.Length; i++) values[i] += other[i];
            }
            group.Wait();
        }
    }
}
