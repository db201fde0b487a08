using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Nn.Data;
using Nn.Kernels;
using Nn.Native.Memory;
using Nn.Training.Distributed;

namespace Nn.Training;

/// <summary>The result of <see cref="Trainer.Evaluate{T}"/>: mean loss (without L2) and accuracy (null for regression).</summary>
public readonly record struct Evaluation(double Loss, double? Accuracy);

/// <summary>
/// Trains a <see cref="Network{T}"/> by mini-batch gradient descent: per-epoch shuffles fixed by the seed,
/// batches gathered into pinned buffers, one forward/backward and one optimizer pass per batch, then
/// validation, history and the stopping tests. The steady-state batch loop allocates nothing.
/// </summary>
public static class Trainer
{
    /// <summary>Trains <paramref name="network"/> on <paramref name="training"/> and returns its history.</summary>
    /// <param name="validation">Explicit validation data; or set <see cref="TrainingOptions.ValidationSplit"/>.</param>
    /// <exception cref="ArgumentException">The options, data and network do not fit together (checked before the first epoch).</exception>
    /// <exception cref="InvalidOperationException">The network has a Step activation.</exception>
    /// <exception cref="TrainingDivergedException">A NaN or infinity appeared; the weights are restored to the start of that epoch (the optimizer's moments are not: a diverged run's state is not for resuming).</exception>
    public static History Fit<T>(Network<T> network, DataSet<T> training, TrainingOptions options, DataSet<T>? validation = null,
        CancellationToken cancellationToken = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        // Options first, so a bad one is reported as such and not by the state it would have sized.
        Validate(network, training, options, validation);
        using var state = new TrainingState<T>(options, network.ParameterCount);
        return Train(network, training, options, state, validation, cancellationToken);
    }

    /// <summary>
    /// Trains <paramref name="network"/> from where <paramref name="state"/> stopped until <see cref="TrainingOptions.Epochs"/>
    /// epochs are done in total (a fresh state starts at epoch 0), updating the state at the end of every epoch so that it
    /// can be checkpointed and resumed. The returned history holds the state's earlier epochs too.
    /// </summary>
    /// <exception cref="ArgumentException">As the other overload, or the state was made for another network, optimizer, seed or batch size.</exception>
    public static History Fit<T>(Network<T> network, DataSet<T> training, TrainingOptions options, TrainingState<T> state,
        DataSet<T>? validation = null, CancellationToken cancellationToken = default) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        Validate(network, training, options, validation);
        return Train(network, training, options, state, validation, cancellationToken);
    }

    // Both overloads validated the inputs; the targets are checked once per run, not once per overload.
    private static History Train<T>(Network<T> network, DataSet<T> training, TrainingOptions options, TrainingState<T> state,
        DataSet<T>? validation, CancellationToken cancellationToken) where T : unmanaged, IFloatingPointIeee754<T>
    {
        state.CheckFits(network, options);

        DataSet<T>? heldOut = null, reduced = null;
        if (options.ValidationSplit > 0)
        {
            (reduced, heldOut) = training.Split(1 - options.ValidationSplit, options.Seed, stratified: training.IsClassification);
            training = reduced;
            validation = heldOut;
        }
        // The whole run owns the network: another thread predicting with it meanwhile gets InvalidOperationException.
        bool entered = network.EnterExclusive("Trainer.Fit");
        try
        {
            return new Run<T>(network, training, validation, options, state).Execute(cancellationToken);
        }
        finally
        {
            network.ExitExclusive(entered);
            reduced?.Dispose();
            heldOut?.Dispose();
        }
    }

    /// <summary>
    /// Compiles the training path before the data is there: trains a scratch network of <paramref name="architecture"/>
    /// for one epoch of two batches of synthetic samples, with <paramref name="options"/>' loss, optimizer, batch size,
    /// L2 and validation split (no callbacks, no progress, one process). The JIT then compiles the methods one real
    /// epoch runs, with the same shapes, while something else goes on: start it on another thread before loading the
    /// data, and wait for it before <see cref="Fit{T}(Network{T}, DataSet{T}, TrainingOptions, DataSet{T}?, CancellationToken)"/>.
    /// On the Fashion-MNIST network that takes about 0.1 s out of the first epoch. Results do not change: the scratch
    /// network shares nothing with the real one but compiled code.
    /// </summary>
    /// <remarks>Thread safety: safe to run alongside anything but a change of the provider's thread count.</remarks>
    /// <exception cref="ArgumentException">The options do not fit the architecture, as Fit would report.</exception>
    /// <exception cref="InvalidOperationException">The architecture has a Step activation.</exception>
    public static void WarmUp<T>(Sequential architecture, TrainingOptions options, NetworkOptions? networkOptions = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(options);
        int d = architecture.InputSize, k = architecture.OutputSize, batch = options.BatchSize;
        // Two training batches after the validation split, and every class in both parts of a stratified split.
        int rows = (int)Math.Ceiling(2.0 * batch / (1 - Math.Clamp(options.ValidationSplit, 0, 0.9))) + 2 * k;
        var random = new Random(1);
        T[] features = new T[rows * d];
        for (int i = 0; i < features.Length; i++) features[i] = T.CreateTruncating(random.NextDouble());
        using DataSet<T> data = k > 1
            ? DataSet.FromClassification<T>(features, d, Enumerable.Range(0, rows).Select(i => i % k).ToArray())
            : DataSet.FromRegression<T>(features, d, Enumerable.Repeat(T.One, rows).ToArray(), 1);
        using var network = new Network<T>(architecture, networkOptions);
        Fit(network, data, options with { Epochs = 1, Callbacks = [], Progress = null, Communicator = null, EarlyStopping = null });
    }

    /// <summary>Mean loss (no L2 term) and accuracy of <paramref name="network"/> on <paramref name="data"/>, in batches.</summary>
    public static Evaluation Evaluate<T>(Network<T> network, DataSet<T> data, Loss loss, int batchSize = 256)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        CheckShapes(network, data, "data");
        double lossSum = 0;
        long correct = 0;
        int d = data.FeatureCount, k = data.TargetCount;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            int count = Math.Min(batchSize, data.Count - start);
            T cost = network.ComputeLoss(data.Features.Slice(start * d, count * d), data.Targets.Slice(start * k, count * k), count, loss);
            lossSum += double.CreateChecked(cost) * count;
            if (data.IsClassification)
            {
                correct += CountCorrect(network.LastOutputs(count), data.Labels.Slice(start, count), k);
            }
        }
        return new Evaluation(lossSum / data.Count, data.IsClassification ? (double)correct / data.Count : null);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int CountCorrect<T>(ReadOnlySpan<T> outputs, ReadOnlySpan<int> labels, int classes) where T : INumber<T>
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int predicted = classes == 1
                ? (outputs[i] >= T.CreateChecked(0.5) ? 1 : 0)
                : IndexOfMax(outputs.Slice(i * classes, classes));
            if (predicted == labels[i]) correct++;
        }
        return correct;
    }

    // The first index of the largest value, or of the first NaN, as TensorPrimitives.IndexOfMax answers: a plain loop,
    // because a call per row of ten classes costs more than the comparisons.
    private static int IndexOfMax<T>(ReadOnlySpan<T> row) where T : INumber<T>
    {
        int best = 0;
        for (int j = 0; j < row.Length; j++)
        {
            if (T.IsNaN(row[j])) return j;
            // +0 counts as larger than −0, as in IEEE 754's maximum.
            if (row[j] > row[best] || (row[j] == row[best] && T.IsNegative(row[best]) && !T.IsNegative(row[j]))) best = j;
        }
        return best;
    }

    private static void Validate<T>(Network<T> network, DataSet<T> training, TrainingOptions options, DataSet<T>? validation)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(options.Loss, nameof(options.Loss));
        ArgumentNullException.ThrowIfNull(options.Optimizer, nameof(options.Optimizer));
        ArgumentNullException.ThrowIfNull(options.Schedule, nameof(options.Schedule));
        if (options.Epochs < 1) throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "Epochs must be at least 1.");
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        if (!double.IsFinite(options.L2) || options.L2 < 0) throw new ArgumentOutOfRangeException(nameof(options), options.L2, "L2 must be finite and non-negative.");
        if (options.ValidationSplit < 0 || options.ValidationSplit >= 1 || double.IsNaN(options.ValidationSplit))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationSplit, "ValidationSplit must be in [0, 1).");
        }
        if (options.ValidationSplit > 0 && validation is not null)
        {
            throw new ArgumentException("Give either explicit validation data or a ValidationSplit, not both.");
        }
        if (options.Tolerance is { } tolerance && !(tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), tolerance, "Tolerance must be positive.");
        }
        if (options.EarlyStopping is { } early)
        {
            if (early.Patience < 0) throw new ArgumentOutOfRangeException(nameof(options), early.Patience, "Patience must be non-negative.");
            bool hasValidation = validation is not null || options.ValidationSplit > 0;
            if (early.Monitor != Monitor.TrainingLoss && !hasValidation)
            {
                throw new ArgumentException($"Early stopping monitors {early.Monitor}, but there is no validation data; pass validation data or a ValidationSplit.");
            }
            if (early.Monitor == Monitor.ValidationAccuracy && !training.IsClassification)
            {
                throw new ArgumentException("Early stopping on validation accuracy needs a classification data set.");
            }
        }
        if (network.Architecture.Blocks.Any(b => b.Activation is Step))
        {
            throw new InvalidOperationException(Kernels.ActivationKernels.StepMessage);
        }
        options.Loss.CheckOutput(network.Architecture.OutputActivation);
        CheckShapes(network, training, "training data");
        options.Loss.CheckTargets(training.Targets, training.TargetCount, $"the training data ({training.Source})");
        if (validation is not null)
        {
            CheckShapes(network, validation, "validation data");
            options.Loss.CheckTargets(validation.Targets, validation.TargetCount, $"the validation data ({validation.Source})");
        }
    }

    private static void CheckShapes<T>(Network<T> network, DataSet<T> data, string what) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (data.Count == 0) throw new ArgumentException($"The {what} ({data.Source}) is empty.");
        if (data.FeatureCount != network.InputSize)
        {
            throw new ArgumentException($"The {what} ({data.Source}) has {data.FeatureCount} features but the network takes {network.InputSize} inputs.");
        }
        if (data.TargetCount != network.OutputSize)
        {
            throw new ArgumentException($"The {what} ({data.Source}) has {data.TargetCount} targets per sample but the network has {network.OutputSize} outputs.");
        }
    }

    /// <summary>One training run's buffers and bookkeeping.</summary>
    private sealed class Run<T>(Network<T> network, DataSet<T> training, DataSet<T>? validation, TrainingOptions options, TrainingState<T> state)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly History _history = new();
        // Set for a data-parallel run over more than one rank; callbacks and progress then run on rank 0 only.
        private readonly DataParallel<T>? _parallel = options.Communicator is { Size: > 1 } group ? new DataParallel<T>(group, network) : null;
        private readonly IReadOnlyList<TrainingCallback> _callbacks = options.Communicator is { Rank: > 0 } ? [] : options.Callbacks;
        private readonly IProgress<EpochRecord>? _progress = options.Communicator is { Rank: > 0 } ? null : options.Progress;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public History Execute(CancellationToken cancellationToken)
        {
            int n = training.Count, batchSize = Math.Min(options.BatchSize, n);
            int k = network.OutputSize;
            using var epochStart = new AlignedBuffer<T>(network.ParameterCount);
            AlignedBuffer<T> best = state.BestWeights;
            OptimizerState<T> optimizer = state.OptimizerState;
            optimizer.Provider = network.Provider;   // the update pass may use the managed provider's worker threads
            int[] order = Enumerable.Range(0, n).ToArray();
            // The single-process step gathers the next batch while this one computes, on the provider's idle worker; a
            // data-parallel rank gathers its shard when it needs it, on its own thread.
            using var loader = new BatchLoader<T>(training, batchSize, _parallel is null ? network.Provider : null, training.IsClassification);
            _parallel?.Synchronise(training, validation, options, state);
            var random = new Random(options.Seed);
            // The shuffle order is the seed's generator applied once per epoch: replaying the epochs already done
            // puts a resumed run on exactly the order an uninterrupted one would use.
            for (int e = 0; e < state.Epoch; e++) random.Shuffle(order);
            if (network.Initializer.IsSymmetric && state.Epoch == 0)
            {
                Warn($"The network was initialised with {network.Initializer}: every hidden unit of a layer starts identical, receives the same gradient and stays identical (the symmetry problem). Use random initialisation.");
            }

            _history.EpochList.AddRange(state.Epochs);
            _history.BestEpoch = state.BestEpoch;
            long iteration = state.Iteration;
            _history.StopReason = StopReason.MaxEpochs;
            for (int epoch = state.Epoch; epoch < options.Epochs; epoch++)
            {
                var clock = Stopwatch.StartNew();
                network.Parameters.CopyTo(epochStart.Span);
                random.Shuffle(order);
                double lossSum = 0, rate = 0;
                long correct = 0;
                int batches = (n + batchSize - 1) / batchSize;
                for (int b = 0; b < batches; b++)
                {
                    if (_parallel is null && cancellationToken.IsCancellationRequested)
                    {
                        _history.StopReason = StopReason.Cancelled;
                        return _history;
                    }
                    int start = b * batchSize, count = Math.Min(batchSize, n - start);
                    rate = options.Schedule.RateAt(options.Optimizer.LearningRate, epoch, iteration);
                    T cost;
                    bool cancel = false;
                    if (_parallel is null)
                    {
                        if (!loader.IsPending) loader.Start(order.AsSpan(start, count));   // an epoch's first batch
                        BatchLoader<T>.Batch batch = loader.Take();
                        if (b + 1 < batches) loader.Start(order.AsSpan(start + batchSize, Math.Min(batchSize, n - start - batchSize)));
                        cost = network.ComputeGradients(batch.Features, batch.Targets, count, options.Loss, options.L2 * count / n);
                        if (!T.IsFinite(cost))
                        {
                            Diverged(epochStart.Span, epoch, b, network.FindNonFinite(count) ?? "loss", double.CreateChecked(cost));
                        }
                        if (training.IsClassification)
                        {
                            correct += CountCorrect(network.LastOutputs(count), batch.Labels, k);
                        }
                    }
                    else
                    {
                        (cost, long batchCorrect, cancel) = ParallelStep(order.AsSpan(start, count), loader,
                            options.L2 * count / n, cancellationToken.IsCancellationRequested);
                        if (!T.IsFinite(cost))
                        {
                            Diverged(epochStart.Span, epoch, b, network.FindNonFinite(count) ?? "loss", double.CreateChecked(cost));
                        }
                        correct += batchCorrect;
                    }
                    // The gradients are checked before any parameter takes them, the parameters after the step; an
                    // optimizer may do both inside its update pass.
                    switch (optimizer.StepChecked(network.Parameters, network.Gradients, T.CreateChecked(rate)))
                    {
                        case StepFinding.NonFiniteGradients:
                            Diverged(epochStart.Span, epoch, b, network.FindNonFinite(count, parameters: false) ?? "gradients", double.CreateChecked(cost));
                            break;
                        case StepFinding.NonFiniteParameters:
                            Diverged(epochStart.Span, epoch, b, network.FindNonFinite(count) ?? "parameters", double.CreateChecked(cost));
                            break;
                    }
                    lossSum += double.CreateChecked(cost) * count;
                    iteration++;
                    for (int c = 0; c < _callbacks.Count; c++)
                    {
                        _callbacks[c].OnBatchEnd(new BatchRecord(epoch + 1, b + 1, iteration, double.CreateChecked(cost), rate));
                    }
                    if (cancel)
                    {
                        // Some rank was cancelled: every rank saw the same reduced flag and stops after the same step.
                        _history.StopReason = StopReason.Cancelled;
                        return _history;
                    }
                }

                double change = SumAbsoluteDifference(network.Parameters, epochStart.Span);
                Evaluation? held = validation is null ? null
                    : _parallel is null ? Evaluate(network, validation, options.Loss, batchSize) : _parallel.Evaluate(validation, options.Loss, batchSize);
                _parallel?.CheckReplicas(epoch + 1);
                var record = new EpochRecord(epoch + 1, lossSum / n, training.IsClassification ? (double)correct / n : null,
                    held?.Loss, held?.Accuracy, rate, change, clock.Elapsed);
                _history.EpochList.Add(record);
                bool stopEarly = false;
                if (options.EarlyStopping is { } early)
                {
                    double metric = early.Monitor switch
                    {
                        Monitor.ValidationLoss => record.ValidationLoss!.Value,
                        Monitor.ValidationAccuracy => -record.ValidationAccuracy!.Value,
                        _ => record.TrainingLoss,
                    };
                    if (double.IsNaN(state.BestMetric) || metric < state.BestMetric - early.MinDelta)
                    {
                        state.BestMetric = metric;
                        state.SinceBest = 0;
                        state.BestEpoch = _history.BestEpoch = epoch + 1;
                        if (early.RestoreBestWeights) network.Parameters.CopyTo(best.Span);
                    }
                    else
                    {
                        stopEarly = ++state.SinceBest > early.Patience;
                    }
                }
                // The state is complete for this epoch before anyone (a checkpointing callback) sees the record.
                state.Epoch = epoch + 1;
                state.Iteration = iteration;
                state.EpochList.Add(record);
                _history.Communication = _parallel?.Communication ?? TimeSpan.Zero;
                _progress?.Report(record);
                for (int c = 0; c < _callbacks.Count; c++) _callbacks[c].OnEpochEnd(record);

                if (stopEarly)
                {
                    _history.StopReason = StopReason.EarlyStopping;
                    if (options.EarlyStopping!.RestoreBestWeights) best.Span.CopyTo(network.Parameters);
                    return _history;
                }
                if (options.Tolerance is { } tolerance && change < tolerance)
                {
                    _history.StopReason = StopReason.Tolerance;
                    return _history;
                }
            }
            if (options.EarlyStopping?.RestoreBestWeights == true && _history.BestEpoch is { } bestEpoch && bestEpoch != _history.Epochs.Count)
            {
                best.Span.CopyTo(network.Parameters);
            }
            return _history;
        }

        /// <summary>
        /// This rank's share of a global batch (its rows of <paramref name="indices"/>): gradients scaled by the global batch size,
        /// the loss sum, correct count and stop flag in the slots after them, one all-reduce, then the L2 term. Returns the
        /// global batch's cost as <see cref="Network{T}.ComputeGradients"/> would, its correct count and whether any rank asked to stop.
        /// </summary>
        private (T Cost, long Correct, bool Cancel) ParallelStep(ReadOnlySpan<int> indices, BatchLoader<T> loader, double l2, bool cancelHere)
        {
            int k = network.OutputSize, count = indices.Length;
            (int first, int rows) = _parallel!.Shard(count);
            Span<T> all = network.GradientsWithStatistics;
            Span<T> statistics = all[network.ParameterCount..];
            if (rows > 0)
            {
                loader.Start(indices.Slice(first, rows));
                BatchLoader<T>.Batch shard = loader.Take();
                statistics[0] = network.ComputeShardGradients(shard.Features, shard.Targets, rows, count, options.Loss);
                if (training.IsClassification)
                {
                    statistics[1] = T.CreateChecked(CountCorrect(network.LastOutputs(rows), shard.Labels, k));
                }
                else
                {
                    statistics[1] = T.Zero;
                }
            }
            else
            {
                // A batch smaller than the group leaves this rank without rows: it contributes zeros to the sum.
                all.Clear();
            }
            statistics[2] = cancelHere ? T.One : T.Zero;
            _parallel.AllReduce(all);
            T cost = statistics[0] * (T.One / T.CreateChecked(count)) + network.AddL2(l2, count);
            return (cost, long.CreateSaturating(statistics[1]), statistics[2] > T.Zero);
        }

        private void Diverged(ReadOnlySpan<T> epochStart, int epoch, int batch, string location, double cost)
        {
            epochStart.CopyTo(network.Parameters);
            throw new TrainingDivergedException(epoch + 1, batch + 1, location,
                $"Training diverged in epoch {epoch + 1}, batch {batch + 1}: {location} hold NaN or infinity (batch cost {cost}). " +
                $"The weights were restored to the start of epoch {epoch + 1}. Lower the learning rate (now {options.Optimizer.LearningRate}) or scale the inputs.");
        }

        private void Warn(string message)
        {
            _history.WarningList.Add(message);
            for (int c = 0; c < _callbacks.Count; c++) _callbacks[c].OnWarning(message);
        }

        private static double SumAbsoluteDifference(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        {
            double sum = 0;
            for (int i = 0; i < a.Length; i++) sum += double.CreateChecked(T.Abs(a[i] - b[i]));
            return sum;
        }
    }
}
