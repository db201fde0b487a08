using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Nn.Native.Providers.Managed;
using Xunit;

namespace Nn.Native.Tests;

/// <summary>
/// The pool's background job (the trainer's next batch, gathered while a step computes): idle workers take its parts,
/// jobs still get the workers while it is outstanding, FinishBackground runs what is left and waits for what is running,
/// and there is only ever one.
/// </summary>
public sealed unsafe class WorkerPoolBackgroundTests
{
    private sealed class Record
    {
        public readonly ConcurrentBag<(int Part, int Thread)> Runs = [];
        public int Started, Finished;
        public Action<int>? Inside;
    }

    private static void Work(int part, IntPtr context)
    {
        var record = (Record)GCHandle.FromIntPtr(context).Target!;
        Interlocked.Increment(ref record.Started);
        record.Inside?.Invoke(part);
        record.Runs.Add((part, Environment.CurrentManagedThreadId));
        Interlocked.Increment(ref record.Finished);
    }

    // Starts a background job over `record` and returns the handle to free after FinishBackground.
    private static GCHandle Start(WorkerPool pool, Record record, int parts, bool expected = true)
    {
        GCHandle handle = GCHandle.Alloc(record);
        Assert.Equal(expected, pool.TryStartBackground(&Work, GCHandle.ToIntPtr(handle), parts));
        return handle;
    }

    private static void WithPool(int workers, Action<WorkerPool> test) => WorkerPoolTests.WithPool(workers, test);

    private static void AssertEachPartOnce(Record record, int parts) =>
        Assert.Equal(Enumerable.Range(0, parts), record.Runs.Select(r => r.Part).Order());

    [Fact]
    public void IdleWorkersRunEveryPartWhileTheCallerDoesSomethingElse()
    {
        WithPool(2, pool =>
        {
            var record = new Record();
            GCHandle handle = Start(pool, record, 64);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref record.Finished) == 64, TimeSpan.FromSeconds(10)),
                $"Idle workers ran {record.Finished} of 64 background parts in 10 s.");
            pool.FinishBackground();
            handle.Free();
            AssertEachPartOnce(record, 64);
            Assert.DoesNotContain(Environment.CurrentManagedThreadId, record.Runs.Select(r => r.Thread));
        });
    }

    [Fact]
    public void FinishRunsTheRestOnTheCallerAndWaitsForThePartsWorkersHold()
    {
        WithPool(2, pool =>
        {
            // Twice on one pool: the second job must not count the first one's finished parts.
            for (int job = 0; job < 2; job++)
            {
                int caller = Environment.CurrentManagedThreadId;
                // A worker's part outlasts everything the caller does, so FinishBackground returns before it ends unless
                // it waits for it.
                var record = new Record { Inside = _ => Thread.Sleep(Environment.CurrentManagedThreadId == caller ? 0 : 100) };
                GCHandle handle = Start(pool, record, 40);
                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref record.Started) >= 1, TimeSpan.FromSeconds(10)));
                pool.FinishBackground();
                // Every part has ended, not merely been claimed: the context may be freed now.
                Assert.Equal(40, Volatile.Read(ref record.Finished));
                handle.Free();
                AssertEachPartOnce(record, 40);
                // Workers hold one 100 ms part each at a time, so the caller takes most of the forty.
                Assert.Contains(caller, record.Runs.Select(r => r.Thread));
            }
        });
    }

    [Fact]
    public void JobsStillGetTheWorkersWhileABackgroundJobIsOutstanding()
    {
        WithPool(1, pool =>
        {
            var background = new Record { Inside = _ => Thread.SpinWait(2000) };
            GCHandle handle = Start(pool, background, 2000);
            for (int job = 0; job < 20; job++)
            {
                // Each job finishes only if the worker leaves the background work and takes its part.
                var both = new Record();
                both.Inside = _ => SpinWait.SpinUntil(() => Volatile.Read(ref both.Started) == 2, TimeSpan.FromSeconds(10));
                GCHandle jobHandle = GCHandle.Alloc(both);
                Assert.True(pool.TryRun(&Work, GCHandle.ToIntPtr(jobHandle)));
                jobHandle.Free();
                Assert.Equal([0, 1], both.Runs.Select(r => r.Part).Order());
                Assert.Equal(2, both.Runs.Select(r => r.Thread).Distinct().Count());
            }
            pool.FinishBackground();
            handle.Free();
            AssertEachPartOnce(background, 2000);
        });
    }

    [Fact]
    public void OnlyOneBackgroundJobAtATime()
    {
        WithPool(1, pool =>
        {
            var first = new Record();
            GCHandle handle = Start(pool, first, 4);
            var second = new Record();
            GCHandle refused = Start(pool, second, 4, expected: false);
            var fromElsewhere = false;
            var other = new Thread(() => fromElsewhere = pool.TryStartBackground(&Work, GCHandle.ToIntPtr(refused), 4));
            other.Start();
            Assert.True(other.Join(TimeSpan.FromSeconds(10)));
            Assert.False(fromElsewhere);
            pool.FinishBackground();
            handle.Free();
            AssertEachPartOnce(first, 4);
            Assert.Empty(second.Runs);
            // Finished, the pool takes the next one.
            GCHandle again = Start(pool, second, 3);
            pool.FinishBackground();
            again.Free();
            refused.Free();
            AssertEachPartOnce(second, 3);
        });
    }

    [Fact]
    public void APoolWithoutWorkersOrDisposedRefusesAndTheCallerDoesTheWork()
    {
        WithPool(0, pool => Start(pool, new Record(), 4, expected: false).Free());
        var disposed = new WorkerPool(1);
        WorkerPoolTests.End(disposed);
        Start(disposed, new Record(), 4, expected: false).Free();
    }

    [Fact]
    public void DisposeWithABackgroundJobOutstandingLeavesTheRestToFinish()
    {
        var pool = new WorkerPool(2);
        var record = new Record { Inside = _ => Thread.Sleep(1) };
        GCHandle handle = Start(pool, record, 200);
        WorkerPoolTests.End(pool);   // the workers end after the part they hold
        Assert.True(pool.WorkersEnded);
        pool.FinishBackground();     // the caller runs whatever they left
        handle.Free();
        AssertEachPartOnce(record, 200);
    }

    [Fact]
    public void AnExceptionInAPartTheCallerRunsReachesItAfterThePartsInFlightAndThePoolStaysUsable()
    {
        WithPool(1, pool =>
        {
            int caller = Environment.CurrentManagedThreadId;
            var failing = new Record
            {
                Inside = part =>
                {
                    Thread.Sleep(5);
                    if (Environment.CurrentManagedThreadId == caller) throw new InvalidOperationException($"part {part} failed");
                },
            };
            GCHandle handle = Start(pool, failing, 50);
            Assert.Throws<InvalidOperationException>(pool.FinishBackground);
            // Every part that started has ended: nothing still reads the context.
            Assert.Equal(Volatile.Read(ref failing.Started), Volatile.Read(ref failing.Finished) + 1);
            Thread.Sleep(50);
            Assert.Equal(Volatile.Read(ref failing.Started), Volatile.Read(ref failing.Finished) + 1);
            handle.Free();
            var next = new Record();
            GCHandle again = Start(pool, next, 10);
            pool.FinishBackground();
            again.Free();
            AssertEachPartOnce(next, 10);
        });
    }

    [Fact]
    public void MisuseIsRefused()
    {
        WithPool(1, pool =>
        {
            Assert.Contains("No background job is outstanding", Assert.Throws<InvalidOperationException>(pool.FinishBackground).Message);   // nothing started
            Assert.Throws<ArgumentOutOfRangeException>(() => pool.TryStartBackground(&Work, IntPtr.Zero, -1));
            Assert.True(pool.TryStartBackground(&Work, IntPtr.Zero, 0));        // nothing to do: fine
            pool.FinishBackground();
            Assert.Throws<InvalidOperationException>(pool.FinishBackground);   // already finished
        });
    }

    private static void Count(int part, IntPtr context) => Interlocked.Increment(ref ((int*)context)[part]);

    [Fact]
    public void PartsClaimedByEveryThreadAtOnceRunOnceEach()
    {
        // Tiny parts, three workers and the caller claiming together: the claims collide often, and a collision must
        // neither run a part twice nor skip one.
        const int parts = 20_000;
        WithPool(3, pool =>
        {
            int[] counts = GC.AllocateArray<int>(parts, pinned: true);
            for (int round = 0; round < 5; round++)
            {
                Array.Clear(counts);
                fixed (int* start = counts)
                {
                    Assert.True(pool.TryStartBackground(&Count, (IntPtr)start, parts));
                    pool.FinishBackground();
                }
                Assert.All(counts, count => Assert.Equal(1, count));
            }
        });
    }
}
