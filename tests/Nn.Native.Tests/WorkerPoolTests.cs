using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Nn.Native.Providers.Managed;
using Xunit;

namespace Nn.Native.Tests;

/// <summary>
/// The GEMM's worker pool: every part runs once, the workers really take parts (a pool whose workers never woke
/// would still give right answers, with the caller doing all the work), a busy pool refuses a second job, and
/// Dispose stops the workers.
/// </summary>
public sealed unsafe class WorkerPoolTests
{
    private sealed class Record
    {
        public readonly ConcurrentBag<(int Part, int Thread)> Runs = [];
        public readonly ConcurrentBag<string?> Names = [];
        public int Started;
        public int Parts;
        public Func<int, bool>? Inside; // called in each part; false fails the part
        public int Caller;               // the thread that called TryRun
    }

    private static void Work(int part, IntPtr context)
    {
        var record = (Record)GCHandle.FromIntPtr(context).Target!;
        record.Runs.Add((part, Environment.CurrentManagedThreadId));
        record.Names.Add(Thread.CurrentThread.Name);
        Interlocked.Increment(ref record.Started);
        if (record.Inside is { } inside && !inside(part)) throw new InvalidOperationException($"part {part} failed its check");
    }

    // A job takes microseconds; one that has not returned after 10 s hangs. The job runs on a background thread, so a
    // hang fails the test instead of leaving a test run that never ends.
    private static bool Run(WorkerPool pool, Record record)
    {
        bool ran = false;
        Exception? error = null;
        var caller = new Thread(() =>
        {
            record.Caller = Environment.CurrentManagedThreadId;
            GCHandle handle = GCHandle.Alloc(record);
            try
            {
                ran = pool.TryRun(&Work, GCHandle.ToIntPtr(handle));
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                handle.Free();
            }
        }) { IsBackground = true, Name = "job caller" };
        caller.Start();
        if (!caller.Join(TimeSpan.FromSeconds(10))) Assert.Fail("The job has not returned after 10 s: the pool hangs.");
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return ran;
    }

    // Runs a test against a new pool and always ends the pool.
    internal static void WithPool(int workers, Action<WorkerPool> test)
    {
        var pool = new WorkerPool(workers);
        try
        {
            test(pool);
        }
        finally
        {
            End(pool);
        }
    }

    // Dispose on a background thread, so that a pool whose workers never stop fails the test instead of hanging it.
    internal static void End(WorkerPool pool)
    {
        var disposer = new Thread(pool.Dispose) { IsBackground = true };
        disposer.Start();
        if (!disposer.Join(TimeSpan.FromSeconds(10))) Assert.Fail("Dispose has not returned after 10 s: the workers do not stop.");
    }

    // Each part waits until every part has started: one thread cannot run two parts at once, so the job finishes only
    // if the workers took parts. Ten seconds is ample for a woken worker even on a busy machine.
    private static Func<int, bool> AllPartsAtOnce(Record record) => _ =>
        SpinWait.SpinUntil(() => Volatile.Read(ref record.Started) == record.Parts, TimeSpan.FromSeconds(10));

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryPartRunsOnceOnItsOwnThread(int workers)
    {
        WithPool(workers, pool =>
        {
        Assert.Equal(workers + 1, pool.Parallelism);
        for (int job = 0; job < 50; job++)
        {
            var record = new Record { Parts = pool.Parallelism };
            record.Inside = AllPartsAtOnce(record);
            Assert.True(Run(pool, record));
            Assert.Equal(Enumerable.Range(0, pool.Parallelism), record.Runs.Select(r => r.Part).Order());
            Assert.Equal(pool.Parallelism, record.Runs.Select(r => r.Thread).Distinct().Count());
        }
        });
    }

    [Fact]
    public void WorkersAreNamedBackgroundThreads()
    {
        WithPool(3, pool =>
        {
        var record = new Record { Parts = 4 };
        record.Inside = part => AllPartsAtOnce(record)(part) && Thread.CurrentThread.IsBackground;
        Assert.True(Run(pool, record));
        // The names show in debuggers, dumps and traces: which threads are the GEMM's, and which of them.
        Assert.Equal(new[] { "Nn GEMM worker 1", "Nn GEMM worker 2", "Nn GEMM worker 3", "job caller" }, record.Names.Order());
        });
    }

    [Fact]
    public void APoolRunningAJobRefusesAnotherAndTakesTheNextOneAfterwards()
    {
        WithPool(1, pool =>
        {
        using var inside = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = new Record { Parts = 2 };
        first.Inside = part =>
        {
            if (part == 0)
            {
                inside.Set();
                return release.Wait(TimeSpan.FromSeconds(10));
            }
            return true;
        };
        bool firstRan = false;
        var running = new Thread(() => firstRan = Run(pool, first));
        running.Start();
        Assert.True(inside.Wait(TimeSpan.FromSeconds(10)));
        var second = new Record { Parts = 2 };
        Assert.False(Run(pool, second));
        Assert.Empty(second.Runs);
        release.Set();
        Assert.True(running.Join(TimeSpan.FromSeconds(10)) && firstRan);
        Assert.Equal(2, first.Runs.Count);
        var third = new Record { Parts = 2 };
        Assert.True(Run(pool, third));
        Assert.Equal(2, third.Runs.Count);
        });
    }

    [Fact]
    public void TheCallerWaitsForEveryPartBeforeReturning()
    {
        WithPool(1, pool =>
        {
        // Twice on one pool: the second job must not count the first one's finished parts.
        for (int job = 0; job < 2; job++)
        {
            var record = new Record { Parts = 2 };
            int finished = 0;
            record.Inside = part =>
            {
                // Both parts start together, so the worker holds one; it is the slow one, which the caller must wait for.
                bool together = AllPartsAtOnce(record)(part);
                if (Environment.CurrentManagedThreadId != record.Caller) Thread.Sleep(200);
                Interlocked.Increment(ref finished);
                return together;
            };
            Assert.True(Run(pool, record));
            Assert.Equal(2, Volatile.Read(ref finished));
        }
        });
    }

    [Fact]
    public void AnExceptionInTheCallersPartReachesTheCallerAndThePoolStaysUsable()
    {
        WithPool(1, pool =>
        {
        var failing = new Record { Parts = 2 };
        failing.Inside = _ => Environment.CurrentManagedThreadId != failing.Caller;
        // The caller may run one part or both: either way its first one throws, and the other is withdrawn or
        // finished by the worker before TryRun returns.
        Assert.Throws<InvalidOperationException>(() => Run(pool, failing));
        var record = new Record { Parts = 2 };
        record.Inside = AllPartsAtOnce(record);
        Assert.True(Run(pool, record));
        Assert.Equal([0, 1], record.Runs.Select(r => r.Part).Order());
        });
    }

    [Fact]
    public void DisposeStopsTheWorkersOnceAndAStoppedPoolStillRunsJobsOnTheCaller()
    {
        var pool = new WorkerPool(2);
        Assert.False(pool.IsDisposed);
        Assert.False(pool.WorkersEnded);
        End(pool);
        Assert.True(pool.IsDisposed);
        Assert.True(pool.WorkersEnded); // Dispose returns after the workers have ended
        End(pool);
        Assert.True(pool.IsDisposed);
        for (int job = 0; job < 20; job++)
        {
            var record = new Record { Parts = 3 };
            Assert.True(Run(pool, record));
            Assert.Equal([0, 1, 2], record.Runs.Select(r => r.Part).Order());
            Assert.All(record.Runs, run => Assert.Equal(record.Caller, run.Thread));
        }
    }

    [Fact]
    public void ANegativeWorkerCountIsRefused() =>
        Assert.Equal("workerCount", Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPool(-1)).ParamName);
}

/// <summary>Idle workers block instead of spinning: an idle service must not burn a core per worker.</summary>
[Collection(nameof(NativeMemoryCollection))] // alone: no other test's GEMM may run while the CPU time is read
public sealed unsafe class IdleWorkerTests
{
    [Fact]
    public void IdleWorkersUseNoProcessorTime()
    {
        if (!OperatingSystem.IsLinux()) Assert.Skip("Reads each thread's processor time from /proc.");
        var pool = new WorkerPool(2);
        try
        {
            Assert.True(pool.TryRun(&Nothing, IntPtr.Zero)); // wake the workers once
            Thread.Sleep(100);
            long before = WorkerTicks();
            Thread.Sleep(1000);
            long used = WorkerTicks() - before;
            // Clock ticks are 10 ms: a worker that spun instead of blocking would use tens of them in a second, even
            // on a busy machine; blocked workers use none.
            Assert.True(used < 10, $"The idle GEMM workers used {used} clock ticks of processor time in 1 s.");
        }
        finally
        {
            WorkerPoolTests.End(pool);
        }
    }

    private static void Nothing(int part, IntPtr context)
    {
    }

    // utime + stime of every thread the runtime named "Nn GEMM worker …" (Linux keeps the first 15 characters).
    private static long WorkerTicks()
    {
        long ticks = 0;
        foreach (string task in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith("Nn GEMM worker", StringComparison.Ordinal)) continue;
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                // the thread ended between the listing and the read
            }
        }
        return ticks;
    }
}
