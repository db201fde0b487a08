using System.Numerics;
using Nn.Native.Memory;

namespace Nn.Training;

/// <summary>
/// Everything a mini-batch run needs to continue exactly where it stopped: the optimizer's moments and step count,
/// the epochs and iterations done (the schedule's position), the shuffle seed (the shuffle order is a function of
/// the seed and the epochs done), early stopping's bookkeeping and best weights, and the history so far.
/// Pass the same state to <see cref="Trainer.Fit{T}(Network{T}, Nn.Data.DataSet{T}, TrainingOptions, TrainingState{T}, Nn.Data.DataSet{T}?, CancellationToken)"/>
/// again, or save it in a checkpoint (<c>Checkpoint.Save</c>) and load it in another process:
/// training 5 epochs, saving, loading and training 5 more gives the same weights, bit for bit, as 10 straight
/// (same provider and thread count).
/// </summary>
/// <remarks>Thread safety: not thread-safe; a state belongs to one run at a time. Fit updates it at the end of each epoch.</remarks>
public sealed class TrainingState<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<EpochRecord> _epochs = [];

    /// <summary>A fresh state for a run of <paramref name="options"/> over a network of <paramref name="parameterCount"/> parameters.</summary>
    public TrainingState(TrainingOptions options, int parameterCount)
        : this(options.Optimizer.Describe(), options.Loss?.ToString() ?? "", options.L2, options.Seed, options.BatchSize, parameterCount)
    {
    }

    internal TrainingState(OptimizerDescription optimizer, string loss, double l2, int seed, int batchSize, int parameterCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parameterCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        Optimizer = optimizer;
        Loss = loss;
        L2 = l2;
        Seed = seed;
        BatchSize = batchSize;
        ParameterCount = parameterCount;
        OptimizerState = Training.Optimizer.FromDescription(optimizer).CreateState<T>(parameterCount);
        BestWeights = new AlignedBuffer<T>(parameterCount);
    }

    /// <summary>The optimizer the moments belong to.</summary>
    public OptimizerDescription Optimizer { get; }

    /// <summary>The loss the run minimises (its type name, e.g. "CategoricalCrossEntropy").</summary>
    public string Loss { get; }

    /// <summary>The run's L2 coefficient λ.</summary>
    public double L2 { get; }

    /// <summary>The shuffle and validation-split seed of the run.</summary>
    public int Seed { get; }

    /// <summary>The batch size of the run.</summary>
    public int BatchSize { get; }

    /// <summary>Size of the parameter slab the state was made for.</summary>
    public int ParameterCount { get; }

    /// <summary>Epochs completed.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps (batches) completed: the schedule's position.</summary>
    public long Iteration { get; internal set; }

    /// <summary>The records of the completed epochs.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>Early stopping: the best monitored value so far (lower is better; NaN before the first epoch).</summary>
    internal double BestMetric { get; set; } = double.NaN;

    /// <summary>Early stopping: epochs since the best one.</summary>
    internal int SinceBest { get; set; }

    /// <summary>The 1-based epoch of the best monitored value, if any.</summary>
    public int? BestEpoch { get; internal set; }

    internal OptimizerState<T> OptimizerState { get; }

    /// <summary>The weights of <see cref="BestEpoch"/> (kept only when early stopping restores the best weights).</summary>
    internal AlignedBuffer<T> BestWeights { get; }

    internal List<EpochRecord> EpochList => _epochs;

    /// <summary>Frees the moment and best-weight slabs.</summary>
    public void Dispose()
    {
        OptimizerState.Dispose();
        BestWeights.Dispose();
    }

    /// <summary>Throws unless this state can continue a run of <paramref name="options"/> on <paramref name="network"/>.</summary>
    internal void CheckFits(Network<T> network, TrainingOptions options)
    {
        if (ParameterCount != network.ParameterCount)
        {
            throw new ArgumentException($"The training state was saved for {ParameterCount} parameters but the network has {network.ParameterCount}.");
        }
        OptimizerDescription given = options.Optimizer.Describe();
        if (given.Name != Optimizer.Name)
        {
            throw new ArgumentException($"The training state holds {Optimizer.Name} moments but the options use {given.Name}; resume with the same optimizer.");
        }
        if (options.Loss.ToString() != Loss || options.L2 != L2)
        {
            throw new ArgumentException($"The training state was made for {Loss} with L2 {L2}, the options give {options.Loss} with L2 {options.L2}; resume with the same objective.");
        }
        if (options.Seed != Seed || options.BatchSize != BatchSize)
        {
            throw new ArgumentException($"The training state was made with seed {Seed} and batch size {BatchSize}, the options give {options.Seed} and {options.BatchSize}; " +
                "resume with the same ones so that the shuffles continue where they stopped.");
        }
    }
}
