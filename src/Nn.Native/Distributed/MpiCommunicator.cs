using System.Runtime.InteropServices;

namespace Nn.Native.Distributed;

/// <summary>
/// MPI_COMM_WORLD of the processes <c>mpirun</c> started, through Open MPI. <see cref="Initialize"/> starts MPI once per
/// process (MPI_THREAD_SERIALIZED); <see cref="Dispose"/> finalises it, after which MPI cannot be started again in this process.
/// </summary>
/// <remarks>
/// Thread safety: calls must be serialised; a process has one instance. MPI's default error handler stays in place, so an MPI
/// failure (a peer that died, a broken link) ends the job on every rank instead of leaving one waiting.
/// </remarks>
public sealed unsafe class MpiCommunicator : ICommunicator, IDisposable
{
    // MPI's counts are int: longer buffers go in chunks of this many elements.
    private const int MaxChunk = 1 << 30;
    private static readonly Lock Gate = new();
    private static MpiCommunicator? s_world;
    private readonly MpiLibrary _mpi;
    private bool _finalized;

    private MpiCommunicator(MpiLibrary mpi)
    {
        _mpi = mpi;
        int rank, size;
        _mpi.Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
        _mpi.Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
        Rank = rank;
        Size = size;
        byte* version = stackalloc byte[8192];
        int length = 0;
        string text = _mpi.LibraryVersion(version, &length) == 0 ? System.Text.Encoding.UTF8.GetString(version, Math.Clamp(length, 0, 8192)) : "MPI";
        Description = $"{text.Split(',', '\n')[0].Trim()} ({_mpi.Path})";
    }

    /// <summary>True when this process was started by Open MPI's <c>mpirun</c>/<c>mpiexec</c> (its environment says so).</summary>
    public static bool LaunchedByMpirun =>
        Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null || Environment.GetEnvironmentVariable("PMIX_RANK") is not null;

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public string Description { get; }

    /// <summary>Starts MPI (once per process) and returns MPI_COMM_WORLD.</summary>
    /// <exception cref="MpiUnavailableException">Open MPI is not installed or was already finalised in this process.</exception>
    public static MpiCommunicator Initialize()
    {
        lock (Gate)
        {
            if (s_world is not null)
            {
                if (s_world._finalized) throw new MpiUnavailableException("MPI was finalised in this process and cannot be started again.");
                return s_world;
            }
            MpiLibrary mpi = MpiLibrary.Load();
            int initialized = 0, provided = 0;
            mpi.Check(mpi.Initialized(&initialized), "MPI_Initialized");
            if (initialized == 0)
            {
                mpi.Check(mpi.InitThread(null, IntPtr.Zero, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
            }
            return s_world = new MpiCommunicator(mpi);
        }
    }

    /// <inheritdoc />
    public void AllReduceSum(Span<float> values) => AllReduce(MemoryMarshal.AsBytes(values), sizeof(float), _mpi.Float);

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values) => AllReduce(MemoryMarshal.AsBytes(values), sizeof(double), _mpi.Double);

    /// <inheritdoc />
    public void Broadcast(Span<byte> data, int root)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        CheckOpen();
        fixed (byte* p = data)
        {
            for (long start = 0; start < data.Length; start += MaxChunk)
            {
                int count = (int)Math.Min(MaxChunk, data.Length - start);
                _mpi.Check(_mpi.Broadcast(p + start, count, _mpi.Byte, root, _mpi.CommWorld), "MPI_Bcast");
            }
        }
    }

    /// <inheritdoc />
    public void AllGather(ReadOnlySpan<byte> mine, Span<byte> all)
    {
        if (all.Length != (long)mine.Length * Size)
        {
            throw new ArgumentException($"The gather buffer holds {all.Length} bytes but {Size} ranks × {mine.Length} need {(long)mine.Length * Size}.", nameof(all));
        }
        CheckOpen();
        fixed (byte* source = mine)
        fixed (byte* target = all)
        {
            _mpi.Check(_mpi.AllGather(source, mine.Length, _mpi.Byte, target, mine.Length, _mpi.Byte, _mpi.CommWorld), "MPI_Allgather");
        }
    }

    /// <inheritdoc />
    public void Barrier()
    {
        CheckOpen();
        _mpi.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier");
    }

    /// <inheritdoc />
    public void Abort(int exitCode)
    {
        if (_finalized) Environment.Exit(exitCode);
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);   // MPI_Abort does not return; this line is for a library that does
    }

    /// <summary>Finalises MPI. Every rank must call it; calling it again does nothing.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_finalized) return;
            _finalized = true;
            int finalized = 0;
            if (_mpi.Finalized(&finalized) == 0 && finalized == 0) _mpi.Finalize();
        }
    }

    private void AllReduce(Span<byte> bytes, int elementSize, IntPtr type)
    {
        CheckOpen();
        fixed (byte* p = bytes)
        {
            long elements = bytes.Length / elementSize;
            for (long start = 0; start < elements; start += MaxChunk)
            {
                int count = (int)Math.Min(MaxChunk, elements - start);
                _mpi.Check(_mpi.AllReduce(MpiLibrary.InPlace, p + start * elementSize, count, type, _mpi.Sum, _mpi.CommWorld), "MPI_Allreduce");
            }
        }
    }

    private void CheckOpen()
    {
        if (_finalized) throw new ObjectDisposedException(nameof(MpiCommunicator), "MPI was finalised.");
    }
}
