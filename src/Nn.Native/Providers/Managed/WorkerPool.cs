namespace Nn.Native.Providers.Managed;

/// <summary>
/// A fixed set of background threads that help with the parts of one job. Parts are claimed from a shared
/// counter, and the caller claims too, so a worker that is slow to wake (a busy machine, a descheduled
/// thread) costs nothing: the caller simply does more parts itself and waits only for parts already
/// running. Dispatch allocates nothing: the job is a function pointer plus a context pointer into the
/// caller's stack, which stays valid because the caller waits for every claimed part.
/// </summary>
/// <remarks>
/// <para>Thread safety: one job at a time; a caller that finds the pool busy gets false from <see cref="TryRun"/> and runs serially.
/// An exception from a part the caller runs reaches the caller once the parts already claimed have finished; the work
/// must not throw on a worker (the GEMM parts do not), where it would end the process.</para>
/// <para>Besides jobs, the pool takes one background job at a time (<see cref="TryStartBackground"/>): parts that idle
/// workers run between jobs, while the caller runs serial code, and that <see cref="FinishBackground"/> completes. Its
/// context must stay valid until FinishBackground returns.</para>
/// </remarks>
internal sealed unsafe class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _wake;
    private readonly Lock _dispatch = new();
    private delegate*<int, IntPtr, void> _work;
    private IntPtr _context;
    private int _parts;
    private int _nextPart = int.MaxValue / 2; // no job yet: every claim fails
    private int _finishedParts;
    private volatile bool _stopping;

    // The background job: claimed part by part like a job, by workers only between jobs.
    private delegate*<int, IntPtr, void> _backgroundWork;
    private IntPtr _backgroundContext;
    private int _backgroundParts;
    private int _backgroundNextPart = int.MaxValue / 2; // none: every claim fails
    private int _backgroundFinishedParts;
    private int _backgroundOwned;                       // 1 from TryStartBackground to FinishBackground

    public WorkerPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workerCount);
        _threads = new Thread[workerCount];
        _wake = new ManualResetEventSlim[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            // Spin before blocking: a training step makes a GEMM call every ~100 µs, and waking a sleeping
            // thread costs tens of microseconds.
            _wake[i] = new ManualResetEventSlim(false, spinCount: 2047);
            ManualResetEventSlim wake = _wake[i];
            _threads[i] = new Thread(() => WorkerLoop(wake)) { IsBackground = true, Name = $"Nn GEMM worker {i + 1}" };
            _threads[i].Start();
        }
    }

    /// <summary>True once <see cref="Dispose"/> has stopped the workers.</summary>
    public bool IsDisposed => _stopping;

    /// <summary>True when no worker thread is running (after <see cref="Dispose"/> has returned).</summary>
    public bool WorkersEnded => _threads.All(thread => !thread.IsAlive);

    /// <summary>Total parallelism: the workers plus the calling thread.</summary>
    public int Parallelism => _threads.Length + 1;

    /// <summary>Runs work(part, context) for every part in [0, Parallelism) and returns when all have finished.</summary>
    public bool TryRun(delegate*<int, IntPtr, void> work, IntPtr context)
    {
        if (!_dispatch.TryEnter())
        {
            return false;
        }
        try
        {
            _work = work;
            _context = context;
            _parts = Parallelism;
            Volatile.Write(ref _finishedParts, 0);
            Volatile.Write(ref _nextPart, 0); // publishes the job: claims from now on see the fields above
            foreach (ManualResetEventSlim wake in _wake) wake.Set();
            try
            {
                RunClaimedParts();
            }
            finally
            {
                // Parts claimed by workers are running now; wait for them (the context lives on this stack). Parts
                // nobody claimed (a part of the caller's threw first) are withdrawn, so the wait ends and the
                // exception reaches the caller.
                int claimed = Math.Min(Interlocked.Exchange(ref _nextPart, int.MaxValue / 2), _parts);
                var spinner = new SpinWait();
                while (Volatile.Read(ref _finishedParts) < claimed) spinner.SpinOnce(sleep1Threshold: -1);
            }
            return true;
        }
        finally
        {
            _dispatch.Exit();
        }
    }

    private void RunClaimedParts()
    {
        int part;
        while ((part = Interlocked.Increment(ref _nextPart) - 1) < _parts)
        {
            try
            {
                _work(part, _context);
            }
            finally
            {
                Interlocked.Increment(ref _finishedParts);
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="parts"/> parts of background work: idle workers run them one at a time until a job
    /// arrives, and <see cref="FinishBackground"/> runs whatever is left. False when a background job is already
    /// outstanding, the pool has no workers or it is disposed: the caller then does the work itself.
    /// </summary>
    /// <remarks>The parts must not throw on a worker, and each should take about a microsecond: a job that arrives
    /// while a worker is inside one waits for it.</remarks>
    public bool TryStartBackground(delegate*<int, IntPtr, void> work, IntPtr context, int parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parts);
        if (_threads.Length == 0 || _stopping || Interlocked.CompareExchange(ref _backgroundOwned, 1, 0) != 0)
        {
            return false;
        }
        _backgroundWork = work;
        _backgroundContext = context;
        _backgroundParts = parts;
        Volatile.Write(ref _backgroundFinishedParts, 0);
        Volatile.Write(ref _backgroundNextPart, 0); // publishes the fields above, as for a job
        foreach (ManualResetEventSlim wake in _wake) wake.Set();
        return true;
    }

    /// <summary>
    /// Runs the background job's unclaimed parts on the calling thread (workers that are idle keep helping), waits for
    /// the parts workers hold, and ends the job. Call once after every successful <see cref="TryStartBackground"/>,
    /// also after <see cref="Dispose"/>.
    /// </summary>
    public void FinishBackground()
    {
        if (Volatile.Read(ref _backgroundOwned) == 0)
        {
            throw new InvalidOperationException("No background job is outstanding.");
        }
        try
        {
            while (TryRunBackgroundPart())
            {
            }
        }
        finally
        {
            int claimed = Math.Min(Interlocked.Exchange(ref _backgroundNextPart, int.MaxValue / 2), _backgroundParts);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _backgroundFinishedParts) < claimed) spinner.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref _backgroundOwned, 0);
        }
    }

    // Claims and runs one background part; false when none is left (or there is no background job). The claim never
    // moves the counter past the part count, so idle wake-ups with no background job leave it alone.
    private bool TryRunBackgroundPart()
    {
        int part = Volatile.Read(ref _backgroundNextPart);
        while (true)
        {
            if (part >= _backgroundParts)
            {
                return false;
            }
            int seen = Interlocked.CompareExchange(ref _backgroundNextPart, part + 1, part);
            if (seen == part)
            {
                break;
            }
            part = seen;   // another thread claimed it (or the job ended): try the next
        }
        try
        {
            _backgroundWork(part, _backgroundContext);
        }
        finally
        {
            Interlocked.Increment(ref _backgroundFinishedParts);
        }
        return true;
    }

    private void WorkerLoop(ManualResetEventSlim wake)
    {
        while (true)
        {
            wake.Wait();
            wake.Reset(); // before claiming: a job published after this point sets the event again
            if (_stopping)
            {
                return;
            }
            RunClaimedParts();
            // Between jobs the worker would only spin: it takes background parts until a job (or Dispose) sets the event.
            while (!wake.IsSet && TryRunBackgroundPart())
            {
            }
        }
    }

    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        foreach (ManualResetEventSlim wake in _wake) wake.Set();
        foreach (Thread thread in _threads) thread.Join();
        foreach (ManualResetEventSlim wake in _wake) wake.Dispose();
    }
}
