namespace Nn.Training;

/// <summary>Everything <c>Trainer.Fit</c> needs besides the network and the data.</summary>
public sealed record TrainingOptions
{
    /// <summary>The cost to minimise.</summary>
    public required Loss Loss { get; init; }

    /// <summary>The update rule; Adam(1e-3) by default.</summary>
    public Optimizer Optimizer { get; init; } = new Adam();

    /// <summary>How the learning rate changes over training; constant by default.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Maximum number of passes over the training data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>
    /// Samples per gradient step: 1 is stochastic gradient descent, the data size (or more) is full-batch
    /// gradient descent, anything between is mini-batch. Batches come from a per-epoch shuffle fixed by <see cref="Seed"/>.
    /// </summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// L2 coefficient λ of the lectures' λ/(2m) Σ W², where m is the number of training samples (biases are not
    /// regularised). Each batch of b samples carries its share λ·b/m, so the objective does not change with the batch size.
    /// </summary>
    public double L2 { get; init; }

    /// <summary>Seed of the shuffles and of the validation split.</summary>
    public int Seed { get; init; }

    /// <summary>Fraction of the training data held out for validation (shuffled first; stratified for classification). 0 = none.</summary>
    public double ValidationSplit { get; init; }

    /// <summary>The lectures' stopping test: stop when Σ|W − W_old| over an epoch falls below this. Null = off.</summary>
    public double? Tolerance { get; init; }

    /// <summary>Stop when a monitored metric stops improving. Null = off.</summary>
    public EarlyStopping? EarlyStopping { get; init; }

    /// <summary>Called after every batch and epoch, and for warnings.</summary>
    public IReadOnlyList<TrainingCallback> Callbacks { get; init; } = [];

    /// <summary>Receives each epoch's record as soon as it is complete.</summary>
    public IProgress<EpochRecord>? Progress { get; init; }

    /// <summary>
    /// Trains data-parallel over this group of ranks (e.g. <see cref="Nn.Native.Distributed.MpiCommunicator.Initialize"/> under
    /// <c>mpirun</c>): every rank calls <c>Trainer.Fit</c> with the same data, network and options; rank 0's weights are copied to
    /// all, each rank computes its share of every batch, and one all-reduce per step makes every rank take the same step.
    /// Callbacks and <see cref="Progress"/> run on rank 0 only. Null or a group of one: ordinary single-process training.
    /// </summary>
    public Nn.Native.Distributed.ICommunicator? Communicator { get; init; }
}

/// <summary>The metric early stopping watches.</summary>
public enum Monitor
{
    /// <summary>Loss on the validation data (lower is better).</summary>
    ValidationLoss,

    /// <summary>Accuracy on the validation data (higher is better).</summary>
    ValidationAccuracy,

    /// <summary>Loss on the training data (lower is better).</summary>
    TrainingLoss,
}

/// <summary>Stop when <see cref="Monitor"/> has not improved by more than <see cref="MinDelta"/> for <see cref="Patience"/> epochs.</summary>
public sealed record EarlyStopping
{
    /// <summary>The metric to watch.</summary>
    public Monitor Monitor { get; init; } = Monitor.ValidationLoss;

    /// <summary>Epochs without improvement before stopping.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta { get; init; }

    /// <summary>Put back the weights of the best epoch when training stops.</summary>
    public bool RestoreBestWeights { get; init; } = true;
}

/// <summary>Hooks into training; override what you need.</summary>
public abstract class TrainingCallback
{
    /// <summary>After each batch's update.</summary>
    public virtual void OnBatchEnd(BatchRecord batch)
    {
    }

    /// <summary>After each epoch (validation included).</summary>
    public virtual void OnEpochEnd(EpochRecord epoch)
    {
    }

    /// <summary>When training notices something the user should know (e.g. symmetric initialisation).</summary>
    public virtual void OnWarning(string message)
    {
    }
}
