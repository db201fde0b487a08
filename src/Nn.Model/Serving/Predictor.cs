using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Nn.Checkpoints;
using Nn.Kernels;
using Nn.Native;
using Nn.Native.Memory;
using Nn.Native.Providers.Managed;

namespace Nn.Serving;

/// <summary>
/// An immutable, thread-safe predictor for serving a trained network: raw inputs in (the preprocessing is folded into
/// the first layer), outputs, classes or the top k classes out. One sample goes through a single-row kernel over
/// weights laid out for it once (transposed, vector-padded; zero inputs skipped), so batch 1 runs at cache speed;
/// batches go through the BLAS provider's GEMM. Every call allocates nothing once its thread has warmed up.
/// </summary>
/// <remarks>
/// Thread safety: every member may be called from any number of threads at once. Calls share the read-only weights and
/// use per-thread scratch, so no lock serialises them. <see cref="Dispose"/> makes later calls throw
/// <see cref="ObjectDisposedException"/>; calls already running finish correctly, because each holds a reference on the
/// native weight slab (SafeHandle counting) and the slab is freed when the last one ends. Results are deterministic:
/// the same input gives the same bits on any thread.
/// </remarks>
public sealed class Predictor : IDisposable
{
    /// <summary>Batches are run through the GEMM in chunks of at most this many rows, which bounds per-thread scratch.</summary>
    public const int ChunkRows = 1024;

    /// <summary>Up to this many rows go through the single-row kernel one by one (faster than packing for a GEMM).</summary>
    private const int RowPathLimit = 4;

    /// <summary>Batches of at least this many rows are split into row blocks that run the whole network on separate cores.</summary>
    private const int ParallelRows = 64;

    /// <summary>A single-row layer with at least this many weights (256 KB) is split across cores.</summary>
    private const int SplitRowWeights = 64 * 1024;

    // Helper threads for row-block parallelism, shared by all predictors; a call that finds them busy (another caller
    // is using them) runs on its own thread, so concurrent callers never wait for each other.
    private static readonly Lazy<WorkerPool> s_pool = new(() => new WorkerPool(Math.Max(0, Environment.ProcessorCount - 1)));

    private readonly InferenceLayer[] _layers;
    private readonly AlignedBuffer<float> _slab;
    private readonly string[]? _classNames;
    private readonly int _widest, _widestPadded, _widestInput;

    private Predictor(InferenceLayer[] layers, AlignedBuffer<float> slab, Sequential architecture, IReadOnlyList<string>? classNames, string summary, BlasProvider provider)
    {
        _layers = layers;
        _slab = slab;
        _classNames = classNames?.ToArray();
        Architecture = architecture;
        Summary = summary;
        Provider = provider;
        _widest = layers.Max(l => l.Outputs);
        _widestPadded = layers.Max(l => l.PaddedOutputs);
        _widestInput = layers.Max(l => l.Inputs);
    }

    /// <summary>The architecture served.</summary>
    public Sequential Architecture { get; }

    /// <summary>Features per sample.</summary>
    public int InputSize => _layers[0].Inputs;

    /// <summary>Outputs per sample.</summary>
    public int OutputSize => _layers[^1].Outputs;

    /// <summary>Class names by output index (for one sigmoid output: the negative and the positive class), or null.</summary>
    public IReadOnlyList<string>? ClassNames => _classNames;

    /// <summary>True when the outputs are class scores or probabilities (softmax or sigmoid output, or class names given).</summary>
    public bool IsClassifier => _classNames is not null || Architecture.OutputActivation is Softmax or Sigmoid;

    /// <summary>Number of classes: OutputSize, or 2 for a single sigmoid output; 0 for regression.</summary>
    public int ClassCount => !IsClassifier ? 0 : OutputSize == 1 ? 2 : OutputSize;

    /// <summary>How the model was trained (from the model or checkpoint).</summary>
    public string Summary { get; }

    /// <summary>
    /// The GEMM provider batched calls use: Nn's managed kernel unless another is given. With it a batch is split into row
    /// blocks that run the whole network on separate cores; measured here (bench/RESULTS.md) that beats OpenBLAS and MKL
    /// for inference shapes. Another provider runs each layer's product with its own threads.
    /// </summary>
    public BlasProvider Provider { get; }

    /// <summary>
    /// Prepares a predictor from a trained model (float or double; weights are served in float). The model stays the caller's.
    /// <paramref name="provider"/> runs batched products (default: the managed kernel, see <see cref="Provider"/>).
    /// </summary>
    public static Predictor From<T>(TrainedModel<T> model, BlasProvider? provider = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        Network<T> network = model.Network;
        InferenceLayer[] layers = InferenceLayer.From(network, model.Scaler, out AlignedBuffer<float> slab);
        return new Predictor(layers, slab, network.Architecture, model.ClassNames, model.Summary,
            provider ?? Blas.Load(BlasProviderKind.Managed));
    }

    /// <summary>Loads a checkpoint (float or double parameters) and prepares it.</summary>
    /// <exception cref="CheckpointException">The file is not a valid checkpoint.</exception>
    public static Predictor Load(string checkpointPath, BlasProvider? provider = null)
    {
        byte[] bytes = Checkpoint.ReadFile(checkpointPath);
        if (Checkpoint.ElementTypeOf(bytes, checkpointPath) == typeof(double))
        {
            using TrainedModel<double> wide = Checkpoint.Load<double>(bytes, checkpointPath).Model;
            return From(wide, provider);
        }
        using TrainedModel<float> model = Checkpoint.Load<float>(bytes, checkpointPath).Model;
        return From(model, provider);
    }

    /// <summary>Predicts one sample: <paramref name="input"/> holds InputSize raw features, <paramref name="output"/> receives OutputSize values.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ObjectDisposedException">The predictor was disposed.</exception>
    public unsafe void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        CheckLengths(input.Length, output.Length, 1);
        PredictorScratch scratch = PredictorScratch.For(_widestPadded, 1, _widestInput);
        float* weights = Acquire();
        try
        {
            PredictRow(weights, input, output, scratch);
        }
        finally
        {
            _slab.ReleaseUse();
        }
    }

    /// <summary>Predicts <paramref name="batch"/> samples in rows: inputs is batch × InputSize, outputs batch × OutputSize.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The predictor was disposed.</exception>
    public unsafe void Predict(ReadOnlySpan<float> inputs, Span<float> outputs, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        CheckLengths(inputs.Length, outputs.Length, batch);
        int d = InputSize, k = OutputSize;
        bool rowPath = batch <= RowPathLimit;
        PredictorScratch? scratch = rowPath ? PredictorScratch.For(_widestPadded, 1, _widestInput) : null;
        float* weights = Acquire();
        try
        {
            if (rowPath)
            {
                for (int r = 0; r < batch; r++) PredictRow(weights, inputs.Slice(r * d, d), outputs.Slice(r * k, k), scratch!);
                return;
            }
            int parts = Provider.Kind == BlasProviderKind.Managed && batch >= ParallelRows
                ? Math.Min(Math.Min(s_pool.Value.Parallelism, Provider.Threads), batch / (ParallelRows / 2))
                : 1;
            if (parts > 1)
            {
                fixed (float* x = inputs)
                fixed (float* y = outputs)
                {
                    var job = new BatchJob { Predictor = this, Weights = weights, Inputs = x, Outputs = y, Rows = batch, Parts = parts };
                    if (s_pool.Value.TryRun(&RunBatchPart, (IntPtr)Unsafe.AsPointer(ref job)))
                    {
                        return;
                    }
                }
            }
            RunRows(weights, inputs, outputs, batch, singleThreaded: false);
        }
        finally
        {
            _slab.ReleaseUse();
        }
    }

    /// <summary>The most likely class of one sample (for one sigmoid output: 1 when p ≥ 0.5).</summary>
    /// <exception cref="InvalidOperationException">The model is a regression model.</exception>
    public int PredictClass(ReadOnlySpan<float> input)
    {
        Span<int> best = stackalloc int[1];
        Span<float> score = stackalloc float[1];
        TopK(input, best, score);
        return best[0];
    }

    /// <summary>
    /// The <c>classes.Length</c> most likely classes of one sample, best first, with their scores (probabilities for softmax
    /// and sigmoid outputs). Returns how many were written (at most ClassCount).
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    /// <exception cref="InvalidOperationException">The model is a regression model.</exception>
    public int TopK(ReadOnlySpan<float> input, Span<int> classes, Span<float> scores)
    {
        ObjectDisposedException.ThrowIf(_slab.IsDisposed, this);
        if (!IsClassifier)
        {
            throw new InvalidOperationException($"The model's {Architecture.OutputActivation} output with no class names is a regression model; use Predict.");
        }
        if (classes.Length != scores.Length || classes.IsEmpty)
        {
            throw new ArgumentException($"classes ({classes.Length}) and scores ({scores.Length}) must be non-empty and of one length.", nameof(classes));
        }
        int count = ClassCount;
        Span<float> all = count <= 256 ? stackalloc float[count] : PredictorScratch.Classes(count);
        if (OutputSize == 1)
        {
            Predict(input, all[1..]);
            all[0] = 1 - all[1];
        }
        else
        {
            Predict(input, all);
        }
        int written = Math.Min(classes.Length, count);
        for (int i = 0; i < written; i++)
        {
            int index = TensorPrimitives.IndexOfMax(all);
            classes[i] = index;
            scores[i] = all[index];
            all[index] = float.NegativeInfinity;
        }
        return written;
    }

    /// <summary>The name of class <paramref name="index"/>, or its number when the model has no names.</summary>
    public string ClassName(int index) =>
        _classNames is not null && (uint)index < (uint)_classNames.Length ? _classNames[index] : index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Makes further calls throw <see cref="ObjectDisposedException"/> and frees the weights once calls in flight have
    /// finished (at once when none are running). Idempotent.
    /// </summary>
    public void Dispose() => _slab.Dispose();

    /// <inheritdoc />
    public override string ToString() => $"Predictor {Architecture}";

    private unsafe float* Acquire()
    {
        try
        {
            return _slab.AcquireUse();
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(Predictor), "The predictor was disposed.");
        }
    }

    private unsafe void PredictRow(float* weights, ReadOnlySpan<float> input, Span<float> output, PredictorScratch scratch)
    {
        float* front = scratch.Front.Pointer, back = scratch.Back.Pointer;
        fixed (float* raw = input)
        fixed (int* indices = scratch.Indices)
        {
            float* x = raw;
            for (int l = 0; l < _layers.Length; l++)
            {
                InferenceLayer layer = _layers[l];
                int nonZero = SparseRowKernel.NonZero(x, layer.Inputs, indices);
                if (!TrySplitRow(weights, layer, x, indices, nonZero, front))
                {
                    SparseRowKernel.Multiply(x, indices, nonZero, weights + layer.TransposedOffset, layer.PaddedOutputs, layer.PaddedOutputs,
                        weights + layer.BiasOffset, front);
                }
                ActivateRow(layer, new Span<float>(front, layer.Outputs));
                x = front;
                front = back;
                back = x;
            }
            new ReadOnlySpan<float>(x, OutputSize).CopyTo(output);
        }
        GC.KeepAlive(scratch);
    }

    // A layer whose weights outgrow one core's L2 is split by output columns across the cores, so each core streams (and
    // keeps cached) only its share. False when the layer is small or the helper threads are busy with another call.
    private unsafe bool TrySplitRow(float* weights, InferenceLayer layer, float* x, int* indices, int nonZero, float* z)
    {
        int granule = SparseRowKernel.ColumnGranule;
        if (Provider.Threads < 2 || (long)layer.Inputs * layer.PaddedOutputs < SplitRowWeights || layer.PaddedOutputs < 2 * granule)
        {
            return false;
        }
        WorkerPool pool = s_pool.Value;
        var job = new RowJob
        {
            X = x, Indices = indices, NonZero = nonZero, Transposed = weights + layer.TransposedOffset, Bias = weights + layer.BiasOffset, Z = z,
            Width = layer.PaddedOutputs, Granule = granule, Parts = Math.Min(Math.Min(pool.Parallelism, Provider.Threads), layer.PaddedOutputs / granule),
        };
        return pool.TryRun(&RunRowPart, (IntPtr)Unsafe.AsPointer(ref job));
    }

    private static unsafe void RunRowPart(int part, IntPtr context)
    {
        ref RowJob job = ref Unsafe.AsRef<RowJob>((void*)context);
        if (part >= job.Parts)
        {
            return;
        }
        int granules = (job.Width + job.Granule - 1) / job.Granule;
        int first = (int)((long)granules * part / job.Parts) * job.Granule;
        int last = Math.Min(job.Width, (int)((long)granules * (part + 1) / job.Parts) * job.Granule);
        SparseRowKernel.Multiply(job.X, job.Indices, job.NonZero, job.Transposed + first, job.Width, last - first, job.Bias + first, job.Z + first);
    }

    // Part `part` of a batch runs the whole network on its own contiguous block of rows, in this thread's scratch.
    private static unsafe void RunBatchPart(int part, IntPtr context)
    {
        ref BatchJob job = ref Unsafe.AsRef<BatchJob>((void*)context);
        if (part >= job.Parts)
        {
            return;
        }
        int first = (int)((long)job.Rows * part / job.Parts), last = (int)((long)job.Rows * (part + 1) / job.Parts);
        Predictor predictor = job.Predictor;
        int d = predictor.InputSize, k = predictor.OutputSize;
        predictor.RunRows(job.Weights, new ReadOnlySpan<float>(job.Inputs + (long)first * d, (last - first) * d),
            new Span<float>(job.Outputs + (long)first * k, (last - first) * k), last - first, singleThreaded: true);
    }

    private unsafe void RunRows(float* weights, ReadOnlySpan<float> inputs, Span<float> outputs, int rows, bool singleThreaded)
    {
        int d = InputSize, k = OutputSize;
        int chunk = Math.Min(rows, ChunkRows);
        PredictorScratch scratch = PredictorScratch.For(chunk * _widest, chunk, _widestInput);
        for (int start = 0; start < rows; start += ChunkRows)
        {
            int count = Math.Min(ChunkRows, rows - start);
            PredictChunk(weights, inputs.Slice(start * d, count * d), outputs.Slice(start * k, count * k), count, scratch, singleThreaded);
        }
    }

    private unsafe void PredictChunk(float* weights, ReadOnlySpan<float> inputs, Span<float> outputs, int rows, PredictorScratch scratch, bool singleThreaded)
    {
        Span<float> front = scratch.Front.Span, back = scratch.Back.Span;
        ReadOnlySpan<float> x = inputs;
        for (int l = 0; l < _layers.Length; l++)
        {
            InferenceLayer layer = _layers[l];
            // The last layer writes straight into the caller's buffer.
            Span<float> z = l == _layers.Length - 1 ? outputs : front[..(rows * layer.Outputs)];
            // x: (rows, in), Wᵀ: (in, out) with row stride PaddedOutputs -> z = x·Wᵀ: (rows, out); bias and activation follow per row.
            float* wt = weights + layer.TransposedOffset;
            if (singleThreaded)
            {
                // Already one of several row blocks running in parallel: this thread's share is a single-threaded product.
                fixed (float* a = x)
                fixed (float* c = z)
                {
                    ManagedGemmKernel<float>.Multiply(Transpose.None, Transpose.None, rows, layer.Outputs, layer.Inputs,
                        1f, a, layer.Inputs, wt, layer.PaddedOutputs, 0f, c, layer.Outputs);
                }
            }
            else
            {
                Provider.Gemm(Transpose.None, Transpose.None, rows, layer.Outputs, layer.Inputs, 1f, x, layer.Inputs,
                    new ReadOnlySpan<float>(wt, layer.Inputs * layer.PaddedOutputs), layer.PaddedOutputs, 0f, z, layer.Outputs);
            }
            ActivationKernels.Forward(layer.Activation, z, new ReadOnlySpan<float>(weights + layer.BiasOffset, layer.Outputs), z,
                scratch.LogSumExp.Span, rows, layer.Outputs, layer.Slope);
            x = z;
            Span<float> swap = front;
            front = back;
            back = swap;
        }
    }

    // z already holds x·Wᵀ + b for one row; activate it in place.
    private static void ActivateRow(InferenceLayer layer, Span<float> z)
    {
        switch (layer.Activation)
        {
            case ActivationKind.Identity:
                break;
            case ActivationKind.Relu:
                TensorPrimitives.Max(z, 0f, z);
                break;
            case ActivationKind.LeakyRelu:
                for (int i = 0; i < z.Length; i++) z[i] = z[i] > 0 ? z[i] : layer.Slope * z[i];
                break;
            case ActivationKind.Step:
                for (int i = 0; i < z.Length; i++) z[i] = z[i] >= 0 ? 1f : 0f;
                break;
            case ActivationKind.Sigmoid:
                TensorPrimitives.Sigmoid(z, z);
                break;
            case ActivationKind.Tanh:
                TensorPrimitives.Tanh(z, z);
                break;
            case ActivationKind.Softmax:
                ActivationKernels.SoftmaxRow<float>(z, z);
                break;
            default:
                throw new InvalidOperationException($"Unknown activation {layer.Activation}.");
        }
    }

    private void CheckLengths(int inputLength, int outputLength, int batch)
    {
        if (inputLength != (long)batch * InputSize)
        {
            throw new ArgumentException($"The input holds {inputLength} values but {batch} sample(s) × {InputSize} features need {(long)batch * InputSize}.", "input");
        }
        if (outputLength != (long)batch * OutputSize)
        {
            throw new ArgumentException($"The output holds {outputLength} values but {batch} sample(s) × {OutputSize} outputs need {(long)batch * OutputSize}.", "output");
        }
    }

    private unsafe struct RowJob
    {
        public float* X, Transposed, Bias, Z;
        public int* Indices;
        public int NonZero, Width, Granule, Parts;
    }

    private unsafe struct BatchJob
    {
        public Predictor Predictor;
        public float* Weights, Inputs, Outputs;
        public int Rows, Parts;
    }
}
