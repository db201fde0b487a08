namespace Nn.Native.Providers.Managed;

/// <summary>
/// A fixed set of background threads that run the parts of one job while the caller runs part 0.
/// Dispatch allocates nothing: the job is a function pointer plus a context pointer into the
/// caller's stack, which stays valid because the caller waits for every part.
/// </summary>
/// <remarks>Thread safety: one job at a time; a caller that finds the pool busy gets false from <see cref="TryRun"/> and runs serially.</remarks>
internal sealed unsafe class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _start;
    private readonly CountdownEvent _done;
    private readonly Lock _dispatch = new();
    private delegate*<int, IntPtr, void> _work;
    private IntPtr _context;
    private volatile bool _stopping;

    public WorkerPool(int workerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(workerCount);
        _threads = new Thread[workerCount];
        _start = new ManualResetEventSlim[workerCount];
        _done = new CountdownEvent(1);
        for (int i = 0; i < workerCount; i++)
        {
            // Spin before blocking: a training step makes a GEMM call every ~100 µs, and waking a sleeping
            // thread costs tens of microseconds each time.
            _start[i] = new ManualResetEventSlim(false, spinCount: 2047);
            int part = i + 1;
            _threads[i] = new Thread(() => WorkerLoop(part)) { IsBackground = true, Name = $"Nn GEMM worker {part}" };
            _threads[i].Start();
        }
    }

    /// <summary>Total parallelism: the workers plus the calling thread.</summary>
    public int Parallelism => _threads.Length + 1;

    /// <summary>Runs work(part, context) for part in [0, Parallelism) and waits for all of them.</summary>
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
            _done.Reset(_threads.Length);
            foreach (ManualResetEventSlim start in _start) start.Set();
            try
            {
                work(0, context);
            }
            finally
            {
                // Even if part 0 failed, the context lives on this stack frame: wait until no worker can touch it.
                _done.Wait();
            }
            return true;
        }
        finally
        {
            _dispatch.Exit();
        }
    }

    private void WorkerLoop(int part)
    {
        ManualResetEventSlim start = _start[part - 1];
        while (true)
        {
            start.Wait();
            start.Reset(); // safe: the next Set comes only after this part has signalled completion
            if (_stopping)
            {
                return;
            }
            try
            {
                _work(part, _context);
            }
            finally
            {
                _done.Signal();
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
        foreach (ManualResetEventSlim start in _start) start.Set();
        foreach (Thread thread in _threads) thread.Join();
        foreach (ManualResetEventSlim start in _start) start.Dispose();
        _done.Dispose();
    }
}
