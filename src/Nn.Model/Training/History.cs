namespace Nn.Training;

/// <summary>One batch's step.</summary>
public readonly record struct BatchRecord(int Epoch, int Batch, long Iteration, double Loss, double LearningRate);

/// <summary>
/// One epoch: the mean training cost of its batches (with the L2 share), training accuracy on the fly (null for
/// regression), loss and accuracy on the validation data (without L2; null without validation data),
/// the learning rate, Σ|W − W_old| over the epoch, and wall time.
/// </summary>
public sealed record EpochRecord(int Epoch, double TrainingLoss, double? TrainingAccuracy, double? ValidationLoss,
    double? ValidationAccuracy, double LearningRate, double WeightChange, TimeSpan Elapsed);

/// <summary>Why training ended.</summary>
public enum StopReason
{
    /// <summary>All epochs ran.</summary>
    MaxEpochs,

    /// <summary>Σ|W − W_old| fell below the tolerance.</summary>
    Tolerance,

    /// <summary>The monitored metric stopped improving.</summary>
    EarlyStopping,

    /// <summary>The cancellation token fired; the weights are those after the last completed step.</summary>
    Cancelled,
}

/// <summary>The per-epoch record of a training run, for curves and reports.</summary>
public sealed class History
{
    internal List<EpochRecord> EpochList { get; } = [];

    internal List<string> WarningList { get; } = [];

    /// <summary>One record per completed epoch.</summary>
    public IReadOnlyList<EpochRecord> Epochs => EpochList;

    /// <summary>Why training ended.</summary>
    public StopReason StopReason { get; internal set; }

    /// <summary>The epoch whose weights the network holds when early stopping restored the best ones; else the last.</summary>
    public int? BestEpoch { get; internal set; }

    /// <summary>Time spent summing gradients across ranks in a data-parallel run (zero in a single process).</summary>
    public TimeSpan Communication { get; internal set; }

    /// <summary>Warnings raised during training.</summary>
    public IReadOnlyList<string> Warnings => WarningList;
}

/// <summary>Training produced a NaN or infinity; the weights were restored to the start of the epoch.</summary>
public sealed class TrainingDivergedException(int epoch, int batch, string location, string message) : Exception(message)
{
    /// <summary>The 1-based epoch.</summary>
    public int Epoch { get; } = epoch;

    /// <summary>The 1-based batch within the epoch.</summary>
    public int Batch { get; } = batch;

    /// <summary>What held the first non-finite value, e.g. "layer 2 activations".</summary>
    public string Location { get; } = location;
}
