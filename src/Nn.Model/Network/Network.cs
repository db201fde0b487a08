using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Nn.Kernels;
using Nn.Native;
using Nn.Native.Memory;

namespace Nn;

/// <summary>
/// A multilayer perceptron whose parameters live in one contiguous aligned slab (W₁ b₁ W₂ b₂ …, each W
/// row-major outputs × inputs) with a gradient slab of the same layout. Forward and backward work on
/// whole batches (samples in rows): one GEMM per layer forward, two per layer backward, with bias,
/// activation and their derivatives applied in fused vectorised passes.
/// </summary>
/// <typeparam name="T">float (the fast default) or double (for verification); both run the same code.</typeparam>
/// <remarks>
/// Thread safety: not thread-safe. A network owns mutable activation buffers; use one per thread, or serve with
/// <see cref="Serving.Predictor"/>. A call from a second thread while one is in progress (including a whole
/// <c>Trainer.Fit</c>) throws <see cref="InvalidOperationException"/> instead of corrupting results. After the first call
/// with a given batch size, calls with that or a smaller batch allocate nothing on the managed heap.
/// </remarks>
public sealed class Network<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly AlignedBuffer<T> _parameters;
    private readonly AlignedBuffer<T> _gradients;
    private readonly DenseLayout[] _layouts;
    private readonly ActivationKind[] _activations;
    private readonly T[] _slopes;
    private readonly bool _hasStep;
    private Workspace<T>? _workspace;
    // Workspaces outgrown by a larger batch stay allocated until Dispose, so a span handed out earlier never points at freed memory.
    private readonly List<Workspace<T>> _retired = [];
    private readonly SingleThreadGuard _guard = new($"Network<{typeof(T).Name}>");
    private int _lastBatch;

    /// <summary>
    /// Slots after the gradient slab for a step's statistics (loss sum, correct count, stop flag), so that data-parallel
    /// training sums gradients and statistics across ranks in one collective call.
    /// </summary>
    internal const int StatisticsSlots = 3;

    /// <summary>Builds a network and initialises its weights (biases start at zero).</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not float or double.</exception>
    public Network(Sequential architecture, NetworkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            throw new NotSupportedException($"Network supports float and double, not {typeof(T).Name}.");
        }
        options ??= new NetworkOptions();
        Architecture = architecture;
        Provider = options.Provider ?? Blas.Provider;
        _layouts = DenseLayout.For(architecture, out int parameterCount);
        _activations = architecture.Blocks.Select(b => b.Activation.Kind).ToArray();
        _slopes = architecture.Blocks.Select(b => T.CreateChecked(b.Activation.Slope)).ToArray();
        _hasStep = _activations.Contains(ActivationKind.Step);
        _parameters = new AlignedBuffer<T>(parameterCount);
        _gradients = new AlignedBuffer<T>(parameterCount + StatisticsSlots);
        Initializer = options.Initializer;
        Initialize(options.Initializer, options.Seed);
    }

    /// <summary>How the weights were initialised.</summary>
    public Initializer Initializer { get; }

    /// <summary>The architecture this network was built from.</summary>
    public Sequential Architecture { get; }

    /// <summary>The BLAS provider that runs this network's matrix products.</summary>
    public BlasProvider Provider { get; }

    /// <summary>Number of input features.</summary>
    public int InputSize => Architecture.InputSize;

    /// <summary>Number of outputs.</summary>
    public int OutputSize => Architecture.OutputSize;

    /// <summary>Number of dense layers.</summary>
    public int LayerCount => _layouts.Length;

    /// <summary>Total number of weights and biases.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>Where each layer's weights and biases sit in <see cref="Parameters"/> (and <see cref="Gradients"/>).</summary>
    public IReadOnlyList<DenseLayout> Layouts => _layouts;

    /// <summary>All weights and biases, layer by layer: W₁ b₁ W₂ b₂ …</summary>
    /// <remarks>Valid until <see cref="Dispose"/>.</remarks>
    public Span<T> Parameters
    {
        get
        {
            _guard.Check(nameof(Parameters));
            return _parameters.Span;
        }
    }

    /// <summary>∂C/∂θ from the last <see cref="ComputeGradients"/>, in the layout of <see cref="Parameters"/>.</summary>
    /// <remarks>Valid until <see cref="Dispose"/>.</remarks>
    public Span<T> Gradients
    {
        get
        {
            _guard.Check(nameof(Gradients));
            return _gradients.Slice(0, _parameters.Length);
        }
    }

    /// <summary>Layer <paramref name="layer"/>'s weights, (outputs × inputs) row-major.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="layer"/> is not in [0, LayerCount).</exception>
    public Span<T> Weights(int layer) => _parameters.Slice(Layout(layer).WeightOffset, _layouts[layer].WeightCount);

    /// <summary>Layer <paramref name="layer"/>'s biases.</summary>
    public Span<T> Biases(int layer) => _parameters.Slice(Layout(layer).BiasOffset, _layouts[layer].Outputs);

    /// <summary>∂C/∂W for layer <paramref name="layer"/>.</summary>
    public Span<T> WeightGradients(int layer) => _gradients.Slice(Layout(layer).WeightOffset, _layouts[layer].WeightCount);

    /// <summary>∂C/∂b for layer <paramref name="layer"/>.</summary>
    public Span<T> BiasGradients(int layer) => _gradients.Slice(Layout(layer).BiasOffset, _layouts[layer].Outputs);

    /// <summary>
    /// Runs a batch forward. <paramref name="inputs"/> is (batch × InputSize), samples in rows.
    /// The returned outputs (batch × OutputSize) are the network's buffer: they hold this pass's values until the next
    /// call on the network, and the memory stays valid until <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The batch is empty or the input length is not batch × InputSize.</exception>
    /// <exception cref="InvalidOperationException">Another thread is using the network.</exception>
    public ReadOnlySpan<T> Forward(ReadOnlySpan<T> inputs, int batch)
    {
        bool entered = _guard.Enter(nameof(Forward));
        try
        {
            return ForwardCore(inputs, batch);
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ReadOnlySpan<T> ForwardCore(ReadOnlySpan<T> inputs, int batch)
    {
        CheckInputs(inputs, batch);
        Workspace<T> work = EnsureWorkspace(batch);
        ReadOnlySpan<T> x = inputs;
        for (int l = 0; l < _layouts.Length; l++)
        {
            DenseLayout layout = _layouts[l];
            Span<T> z = work.PreActivation(l, batch);
            Span<T> a = work.Output(l, batch);
            // x: (batch, in), W: (out, in), b: (out) -> z = x·Wᵀ + b: (batch, out), a = f(z)
            Provider.Gemm(Transpose.None, Transpose.Transposed, batch, layout.Outputs, layout.Inputs,
                T.One, x, layout.Inputs, Weights(l), layout.Inputs, T.Zero, z, layout.Outputs);
            ActivationKernels.Forward(_activations[l], z, Biases(l), a, work.LogSumExp(batch), batch, layout.Outputs, _slopes[l], Provider);
            x = a;
        }
        _lastBatch = batch;
        return x;
    }

    /// <summary>Runs a batch forward and copies the outputs into <paramref name="outputs"/> (batch × OutputSize).</summary>
    public void Predict(ReadOnlySpan<T> inputs, Span<T> outputs, int batch)
    {
        if (outputs.Length != (long)batch * OutputSize)
        {
            throw new ArgumentException($"The output buffer holds {outputs.Length} values but {batch} samples × {OutputSize} outputs need {(long)batch * OutputSize}.", nameof(outputs));
        }
        bool entered = _guard.Enter(nameof(Predict));
        try
        {
            ForwardCore(inputs, batch).CopyTo(outputs);
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    /// <summary>
    /// The cost C = (1/m) Σᵢ ℓ(aᵢ, tᵢ) + λ/(2m) Σ W² on a batch of m samples (biases are not regularised),
    /// without touching the gradients.
    /// </summary>
    public T ComputeLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, Loss loss, double l2 = 0)
    {
        bool entered = _guard.Enter(nameof(ComputeLoss));
        try
        {
            return ForwardAndLoss(inputs, targets, batch, loss, l2, out _, out _);
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    /// <summary>
    /// Forward, loss and backpropagation on a batch of m samples: overwrites <see cref="Gradients"/> with
    /// ∂C/∂θ where C = (1/m) Σᵢ ℓ(aᵢ, tᵢ) + λ/(2m) Σ W², and returns C.
    /// dW = δᵀ·X/m + (λ/m)·W, db = mean of δ, and δ flows down as δ·W ⊙ f'(z).
    /// </summary>
    /// <exception cref="ArgumentException">Shapes do not match, λ is negative, or the loss does not fit the output activation.</exception>
    /// <exception cref="InvalidOperationException">The network contains a Step activation, which backpropagation cannot train.</exception>
    public T ComputeGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, Loss loss, double l2 = 0)
    {
        bool entered = _guard.Enter(nameof(ComputeGradients));
        try
        {
            return ComputeGradientsCore(inputs, targets, batch, loss, l2, batch, out _);
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    /// <summary>
    /// One rank's part of a data-parallel step: gradients of its <paramref name="batch"/> rows scaled by 1/<paramref name="globalBatch"/>
    /// (so that the sum over ranks is the global batch's mean gradient), without L2; returns the rows' summed loss.
    /// The caller owns the network for the run (Trainer.Fit), so no guard is taken here.
    /// </summary>
    internal T ComputeShardGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, int globalBatch, Loss loss)
    {
        ComputeGradientsCore(inputs, targets, batch, loss, 0, globalBatch, out T lossSum);
        return lossSum;
    }

    /// <summary>
    /// Adds the L2 term of a global batch of <paramref name="batch"/> samples to gradients that hold only the loss's part:
    /// dW += (λ/m)·W, and returns λ/(2m) Σ W², exactly as <see cref="ComputeGradients"/> computes them.
    /// </summary>
    internal T AddL2(double l2, int batch)
    {
        if (l2 <= 0) return T.Zero;
        T inverseBatch = T.One / T.CreateChecked(batch);
        T decay = T.CreateChecked(l2) * inverseBatch;
        T squares = T.Zero;
        for (int l = 0; l < _layouts.Length; l++) squares += TensorPrimitives.SumOfSquares<T>(Weights(l));
        for (int l = 0; l < _layouts.Length; l++)
        {
            Span<T> weightGradients = WeightGradients(l);
            TensorPrimitives.MultiplyAdd(Weights(l), decay, weightGradients, weightGradients);
        }
        return T.CreateChecked(l2 / 2) * inverseBatch * squares;
    }

    /// <summary>The gradient slab followed by <see cref="StatisticsSlots"/> statistics slots, for one all-reduce per step.</summary>
    internal Span<T> GradientsWithStatistics => _gradients.Span;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private T ComputeGradientsCore(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, Loss loss, double l2, int denominator, out T lossSum)
    {
        if (_hasStep)
        {
            throw new InvalidOperationException(ActivationKernels.StepMessage);
        }
        T cost = ForwardAndLoss(inputs, targets, batch, loss, l2, out bool isPreActivation, out lossSum);
        Workspace<T> work = _workspace!;
        int last = _layouts.Length - 1;
        if (!isPreActivation)
        {
            ActivationKernels.Backward(_activations[last], work.PreActivation(last, batch), work.Output(last, batch),
                work.Gradient(last, batch), batch, _layouts[last].Outputs, _slopes[last]);
        }

        T inverseBatch = T.One / T.CreateChecked(denominator);
        T decay = T.CreateChecked(l2) * inverseBatch;
        for (int l = last; l >= 0; l--)
        {
            DenseLayout layout = _layouts[l];
            ReadOnlySpan<T> x = l == 0 ? inputs : work.Output(l - 1, batch);
            Span<T> delta = work.Gradient(l, batch);
            Span<T> weightGradients = WeightGradients(l);

            // delta: (batch, out), x: (batch, in) -> dW = deltaᵀ·x / m: (out, in)
            Provider.Gemm(Transpose.Transposed, Transpose.None, layout.Outputs, layout.Inputs, batch,
                inverseBatch, delta, layout.Outputs, x, layout.Inputs, T.Zero, weightGradients, layout.Inputs);
            if (decay != T.Zero)
            {
                TensorPrimitives.MultiplyAdd(Weights(l), decay, weightGradients, weightGradients);
            }
            ColumnSums.Mean<T>(delta, BiasGradients(l), batch, layout.Outputs, inverseBatch);

            if (l > 0)
            {
                // delta: (batch, out), W: (out, in) -> ∂C/∂a of the layer below = delta·W: (batch, in)
                Span<T> below = work.Gradient(l - 1, batch);
                Provider.Gemm(Transpose.None, Transpose.None, batch, layout.Inputs, layout.Outputs,
                    T.One, delta, layout.Outputs, Weights(l), layout.Inputs, T.Zero, below, layout.Inputs);
                ActivationKernels.Backward(_activations[l - 1], work.PreActivation(l - 1, batch), work.Output(l - 1, batch),
                    below, batch, layout.Inputs, _slopes[l - 1], Provider);
            }
        }
        return cost;
    }

    /// <summary>The outputs (batch × OutputSize) of the most recent forward pass; they hold its values until the next call.</summary>
    /// <exception cref="InvalidOperationException">The most recent forward pass did not have <paramref name="batch"/> samples, or another thread is using the network.</exception>
    public ReadOnlySpan<T> LastOutputs(int batch)
    {
        _guard.Check(nameof(LastOutputs));
        if (_workspace is null || batch != _lastBatch)
        {
            throw new InvalidOperationException(_workspace is null
                ? $"No forward pass has run, so there are no outputs of {batch} samples."
                : $"The most recent forward pass had {_lastBatch} samples, not {batch}.");
        }
        return _workspace.Output(_layouts.Length - 1, batch);
    }

    /// <summary>Claims the network for this thread for a whole run (Trainer.Fit); calls from other threads throw meanwhile.</summary>
    internal bool EnterExclusive(string member) => _guard.Enter(member);

    /// <summary>Ends a claim made by <see cref="EnterExclusive"/>.</summary>
    internal void ExitExclusive(bool entered) => _guard.Exit(entered);

    private DenseLayout Layout(int layer)
    {
        _guard.Check("a layer's weights or gradients");
        if ((uint)layer >= (uint)_layouts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The network has layers 0 to {_layouts.Length - 1}.");
        }
        return _layouts[layer];
    }

    /// <summary>
    /// Names the first place, bottom-up, that holds a NaN or infinity after a pass over <paramref name="batch"/>
    /// samples: a layer's weights, activations or gradients. Null when everything is finite. Without
    /// <paramref name="parameters"/> the weights are passed over: a step that found non-finite gradients may have
    /// updated them already, and the place to name is where the gradients went wrong.
    /// </summary>
    internal string? FindNonFinite(int batch, bool parameters = true)
    {
        for (int l = 0; l < _layouts.Length; l++)
        {
            if (parameters && (!AllFinite(Weights(l)) || !AllFinite(Biases(l)))) return $"layer {l + 1} parameters";
            if (_workspace is not null && batch <= _workspace.Capacity)
            {
                if (!AllFinite(_workspace.PreActivation(l, batch)) || !AllFinite(_workspace.Output(l, batch))) return $"layer {l + 1} activations";
            }
        }
        for (int l = _layouts.Length - 1; l >= 0; l--)
        {
            if (_workspace is not null && batch <= _workspace.Capacity && !AllFinite(_workspace.Gradient(l, batch))) return $"layer {l + 1} deltas";
            if (!AllFinite(WeightGradients(l)) || !AllFinite(BiasGradients(l))) return $"layer {l + 1} gradients";
        }
        return null;
    }

    /// <summary>Workspaces still holding native memory, the current one and those outgrown (for leak tests).</summary>
    internal int LiveWorkspaces => (_workspace is { IsDisposed: false } ? 1 : 0) + _retired.Count(w => !w.IsDisposed);

    /// <summary>
    /// True when no value is NaN or infinite: one vectorised pass over the exponent bits, which stops at the first
    /// value that is not finite. (A sum of magnitudes, used before, overflowed on large finite values; the largest
    /// magnitude, used next, was right but slower: 0.057 against 0.022 ms for the two checks of a training step.)
    /// </summary>
    internal static bool AllFinite(ReadOnlySpan<T> values) => values.IsEmpty || TensorPrimitives.IsFiniteAll(values); // IsFiniteAll([]) is false

    /// <summary>Frees the parameter, gradient and activation slabs. Calling it again does nothing.</summary>
    /// <exception cref="InvalidOperationException">Another thread is in a call on the network (its memory is not freed under it).</exception>
    public void Dispose()
    {
        bool entered = _guard.Enter(nameof(Dispose));
        try
        {
            _parameters.Dispose();
            _gradients.Dispose();
            _workspace?.Dispose();
            foreach (Workspace<T> retired in _retired) retired.Dispose();
        }
        finally
        {
            _guard.Exit(entered);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private T ForwardAndLoss(ReadOnlySpan<T> inputs, ReadOnlySpan<T> targets, int batch, Loss loss, double l2, out bool isPreActivation, out T lossSum)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (!double.IsFinite(l2) || l2 < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(l2), l2, "The L2 coefficient λ must be finite and non-negative.");
        }
        loss.CheckOutput(Architecture.OutputActivation);
        if (targets.Length != batch * OutputSize)
        {
            throw new ArgumentException($"The targets hold {targets.Length} values but {batch} samples × {OutputSize} outputs need {batch * OutputSize}.", nameof(targets));
        }
        ForwardCore(inputs, batch);
        Workspace<T> work = _workspace!;
        int last = _layouts.Length - 1;
        (T sum, isPreActivation) = LossKernels.Compute(loss.Kind, work.PreActivation(last, batch), work.Output(last, batch),
            work.LogSumExp(batch), targets, work.Gradient(last, batch), batch, OutputSize);
        lossSum = sum;

        T inverseBatch = T.One / T.CreateChecked(batch);
        T cost = sum * inverseBatch;
        if (l2 > 0)
        {
            T squares = T.Zero;
            for (int l = 0; l < _layouts.Length; l++) squares += TensorPrimitives.SumOfSquares<T>(Weights(l));
            cost += T.CreateChecked(l2 / 2) * inverseBatch * squares;
        }
        return cost;
    }

    private void CheckInputs(ReadOnlySpan<T> inputs, int batch)
    {
        ObjectDisposedException.ThrowIf(_parameters.IsDisposed, this);
        if (batch < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "A batch needs at least one sample.");
        }
        if (inputs.Length != (long)batch * InputSize)
        {
            throw new ArgumentException($"The inputs hold {inputs.Length} values but {batch} samples × {InputSize} features need {(long)batch * InputSize}.", nameof(inputs));
        }
    }

    private Workspace<T> EnsureWorkspace(int batch)
    {
        if (_workspace is null || _workspace.Capacity < batch)
        {
            if (_workspace is not null) _retired.Add(_workspace);
            _workspace = new Workspace<T>(_layouts, batch);
        }
        return _workspace;
    }

    private void Initialize(Initializer initializer, int seed)
    {
        var random = new Random(seed);
        // Drawn in chunks (the same sequence as one pass) so that building a network allocates no large arrays.
        Span<double> chunk = stackalloc double[1024];
        for (int l = 0; l < _layouts.Length; l++)
        {
            DenseLayout layout = _layouts[l];
            Span<T> target = Weights(l);
            for (int start = 0; start < target.Length; start += chunk.Length)
            {
                Span<double> drawn = chunk[..Math.Min(chunk.Length, target.Length - start)];
                initializer.Fill(drawn, layout.Inputs, layout.Outputs, random);
                for (int i = 0; i < drawn.Length; i++) target[start + i] = T.CreateChecked(drawn[i]);
            }
        }
    }
}
