using System.Numerics;
using Nn.Kernels;
using Nn.Native;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;

namespace Nn.Data;

/// <summary>
/// The trainer's batches, gathered one step ahead. Two slots: while a step computes on one, the managed provider's
/// workers copy the next batch's rows into the other in the gaps between the step's GEMM parts (a worker is otherwise
/// idle for about 50 µs of a 770 µs Fashion-MNIST step, while the caller runs the thin output layer and the small
/// passes alone). <see cref="Take"/> finishes whatever is left. With another provider, one thread, or none (a
/// data-parallel rank's shard, gathered on its own thread), nothing runs ahead and Take gathers the batch as
/// <see cref="DataSet{T}.GatherBatch(ReadOnlySpan{int}, Span{T}, Span{T})"/> would.
/// The rows copied are the same either way, so training results do not change.
/// </summary>
/// <remarks>Thread safety: none; one training run owns it. Dispose waits for a gather still running in the background.</remarks>
internal sealed unsafe class BatchLoader<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    // A background part takes about a microsecond: a GEMM that arrives while a worker is inside one waits for it.
    private const int RowsPerPart = 2;

    private readonly DataSet<T> _data;
    private readonly BlasProvider? _provider;
    private readonly bool _labelled;
    private readonly int _capacity;
    // Two slots each, one after the other; native, so a worker may read them after Start returns. The indices need one:
    // they are read only while their batch is gathered, which Take finishes before the next Start.
    private readonly AlignedBuffer<T> _features, _targets;
    private readonly AlignedBuffer<int> _indices, _labels;
    private readonly AlignedBuffer<DataSet<T>.Gather> _job = new(1);
    private int _slot;               // where the pending batch goes
    private int _pendingRows = -1;   // rows of the pending batch; -1 when none
    private WorkerPool? _background; // the pool gathering the pending batch, until Take

    /// <summary>A loader for batches of up to <paramref name="capacity"/> samples of <paramref name="data"/>, with their class labels when <paramref name="labelled"/>.</summary>
    public BatchLoader(DataSet<T> data, int capacity, BlasProvider? provider, bool labelled)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _data = data;
        _provider = provider;
        _labelled = labelled;
        _capacity = capacity;
        _features = new AlignedBuffer<T>(2 * capacity * data.FeatureCount);
        _targets = new AlignedBuffer<T>(2 * capacity * data.TargetCount);
        _indices = new AlignedBuffer<int>(capacity);
        _labels = new AlignedBuffer<int>(labelled ? 2 * capacity : 0);
    }

    /// <summary>True between <see cref="Start"/> and <see cref="Take"/>.</summary>
    public bool IsPending => _pendingRows >= 0;

    /// <summary>True when the pending batch is being gathered by the provider's workers (false: Take will gather it).</summary>
    public bool GathersInBackground => _background is not null;

    /// <summary>
    /// Starts gathering the samples named by <paramref name="indices"/>: in the background when the provider's workers
    /// can take it, else when <see cref="Take"/> is called. Every index is checked here, before anything is copied.
    /// </summary>
    /// <exception cref="InvalidOperationException">A batch is already pending.</exception>
    /// <exception cref="ArgumentException">More indices than the capacity, or labels wanted from a regression set.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the data set.</exception>
    public void Start(ReadOnlySpan<int> indices)
    {
        ObjectDisposedException.ThrowIf(_job.IsDisposed, this);
        if (IsPending) throw new InvalidOperationException("A batch is already pending: take it before starting the next.");
        if (indices.Length > _capacity)
        {
            throw new ArgumentException($"A batch of {indices.Length} is more than the loader's {_capacity} samples.", nameof(indices));
        }
        _data.CheckBatch(indices, _capacity * _data.FeatureCount, _capacity * _data.TargetCount, _labelled ? _capacity : null);
        int rows = indices.Length, slot = _slot;
        indices.CopyTo(_indices.Span);
        *_job.Pointer = _data.Describe(_indices.Pointer, rows, _features.Pointer + (long)slot * _capacity * _data.FeatureCount,
            _targets.Pointer + (long)slot * _capacity * _data.TargetCount, _labelled ? _labels.Pointer + slot * _capacity : null);
        _pendingRows = rows;
        if (ElementwiseParts.PoolFor(_provider, rows * _data.FeatureCount) is { } pool
            && pool.TryStartBackground(&BackgroundPart, (IntPtr)_job.Pointer, (rows + RowsPerPart - 1) / RowsPerPart))
        {
            _background = pool;
        }
    }

    private static void BackgroundPart(int part, IntPtr context)
    {
        ref DataSet<T>.Gather gather = ref *(DataSet<T>.Gather*)context;
        int first = part * RowsPerPart;
        DataSet<T>.CopyRows(ref gather, first, Math.Min(gather.Rows, first + RowsPerPart));
    }

    /// <summary>Finishes the pending batch (the caller copies what the workers have not) and hands it over until the next Take.</summary>
    /// <exception cref="InvalidOperationException">No batch is pending.</exception>
    public Batch Take()
    {
        ObjectDisposedException.ThrowIf(_job.IsDisposed, this);
        if (!IsPending) throw new InvalidOperationException("No batch is pending: start one first.");
        if (_background is { } pool)
        {
            _background = null;
            pool.FinishBackground();
        }
        else
        {
            DataSet<T>.GatherShared(ref *_job.Pointer, _provider);
        }
        int rows = _pendingRows, slot = _slot;
        _pendingRows = -1;
        _slot ^= 1;
        return new Batch(
            _features.Slice(slot * _capacity * _data.FeatureCount, rows * _data.FeatureCount),
            _targets.Slice(slot * _capacity * _data.TargetCount, rows * _data.TargetCount),
            _labelled ? _labels.Slice(slot * _capacity, rows) : default,
            rows);
    }

    /// <summary>A gathered batch, valid until the second <see cref="Start"/> after its Take (the loader alternates two slots).</summary>
    public readonly ref struct Batch(Span<T> features, Span<T> targets, Span<int> labels, int rows)
    {
        /// <summary>Rows × features.</summary>
        public Span<T> Features { get; } = features;

        /// <summary>Rows × targets.</summary>
        public Span<T> Targets { get; } = targets;

        /// <summary>Each row's class; empty when the loader gathers no labels.</summary>
        public Span<int> Labels { get; } = labels;

        /// <summary>Samples in the batch.</summary>
        public int Rows { get; } = rows;
    }

    /// <summary>Waits for a background gather still running, then frees the slots. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (_job.IsDisposed) return;
        if (_background is { } pool)
        {
            _background = null;
            pool.FinishBackground();
        }
        _pendingRows = -1;
        _features.Dispose();
        _targets.Dispose();
        _indices.Dispose();
        _labels.Dispose();
        _job.Dispose();
    }
}
