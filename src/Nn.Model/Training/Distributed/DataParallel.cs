using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nn.Data;
using Nn.Native.Distributed;

namespace Nn.Training.Distributed;

/// <summary>
/// Synchronous data parallelism for one training run: every rank holds the same weights, takes its contiguous share of each
/// global batch, and one all-reduce per step sums the gradient slab together with the step's statistics, so every rank takes
/// the same optimizer step. Decisions (divergence, early stopping, cancellation) are made on reduced values only, so all
/// ranks take the same branch and none waits in a collective the others skipped.
/// </summary>
internal sealed class DataParallel<T>(ICommunicator group, Network<T> network) where T : unmanaged, IFloatingPointIeee754<T>
{
    private const int HashBytes = 16, TextBytes = 48, FieldBytes = HashBytes + TextBytes;
    private readonly Stopwatch _communication = new();

    public int Rank => group.Rank;

    public int Size => group.Size;

    /// <summary>Time spent inside the per-step all-reduce.</summary>
    public TimeSpan Communication => _communication.Elapsed;

    /// <summary>This rank's rows [Start, Start + Count) of a global batch of <paramref name="count"/> rows; the shards tile the batch.</summary>
    public (int Start, int Count) Shard(int count)
    {
        long lo = (long)count * Rank / Size, hi = (long)count * (Rank + 1) / Size;
        return ((int)lo, (int)(hi - lo));
    }

    /// <summary>
    /// Checks that every rank runs the same configuration, then copies rank 0's parameters and optimizer state to the others.
    /// </summary>
    /// <exception cref="DistributedTrainingException">A rank differs from rank 0; the message names the rank and what differs.</exception>
    public void Synchronise(DataSet<T> training, DataSet<T>? validation, TrainingOptions options, TrainingState<T> state)
    {
        (string Name, string Summary, byte[] Hash)[] fields =
        [
            Field("element type", typeof(T).Name),
            Field("network", network.Architecture.ToString()),
            Field("BLAS provider", network.Provider.Name),
            DataField("training data", training),
            validation is null ? Field("validation data", "none") : DataField("validation data", validation),
            Field("training options", FormattableString.Invariant(
                $"{options.Loss}; {state.Optimizer.Name}({string.Join(", ", state.Optimizer.Values)}); {options.Schedule}; epochs {options.Epochs}; batch {options.BatchSize}; L2 {options.L2}; seed {options.Seed}; split {options.ValidationSplit}; tolerance {options.Tolerance}; {options.EarlyStopping}")),
            Field("training state", $"epoch {state.Epoch}, iteration {state.Iteration}, {state.OptimizerState.Steps} steps"),
        ];
        Span<byte> mine = new byte[fields.Length * FieldBytes];
        for (int f = 0; f < fields.Length; f++)
        {
            fields[f].Hash.CopyTo(mine.Slice(f * FieldBytes, HashBytes));
            byte[] text = Encoding.UTF8.GetBytes(fields[f].Summary);
            text.AsSpan(0, Math.Min(text.Length, TextBytes)).CopyTo(mine.Slice(f * FieldBytes + HashBytes, TextBytes));
        }
        byte[] all = new byte[mine.Length * Size];
        group.AllGather(mine, all);
        for (int r = 1; r < Size; r++)
        {
            for (int f = 0; f < fields.Length; f++)
            {
                ReadOnlySpan<byte> root = all.AsSpan(f * FieldBytes, FieldBytes), other = all.AsSpan(r * mine.Length + f * FieldBytes, FieldBytes);
                if (!root[..HashBytes].SequenceEqual(other[..HashBytes]))
                {
                    throw new DistributedTrainingException(
                        $"Rank {r}'s {fields[f].Name} ({Text(other)}) differs from rank 0's ({Text(root)}). Every rank of a distributed run " +
                        "must load the same data and use the same network, options, element type and BLAS provider (NN_BLAS).");
                }
            }
        }

        Broadcast(network.Parameters);
        OptimizerState<T> optimizer = state.OptimizerState;
        for (int m = 0; m < optimizer.MomentCount; m++) Broadcast(optimizer.Moment(m));
        Broadcast(state.BestWeights.Span);
    }

    /// <summary>Sums the gradients and the step's statistics over all ranks, in place.</summary>
    public void AllReduce(Span<T> gradientsWithStatistics)
    {
        _communication.Start();
        if (typeof(T) == typeof(float)) group.AllReduceSum(MemoryMarshal.Cast<T, float>(gradientsWithStatistics));
        else group.AllReduceSum(MemoryMarshal.Cast<T, double>(gradientsWithStatistics));
        _communication.Stop();
    }

    /// <summary>Mean loss and accuracy over <paramref name="data"/>, each rank evaluating its share of the rows.</summary>
    public Evaluation Evaluate(DataSet<T> data, Loss loss, int batchSize)
    {
        (int first, int rows) = Shard(data.Count);
        Span<double> sums = stackalloc double[2];
        int d = data.FeatureCount, k = data.TargetCount;
        for (int start = first; start < first + rows; start += batchSize)
        {
            int count = Math.Min(batchSize, first + rows - start);
            T cost = network.ComputeLoss(data.Features.Slice(start * d, count * d), data.Targets.Slice(start * k, count * k), count, loss);
            sums[0] += double.CreateChecked(cost) * count;
            if (data.IsClassification) sums[1] += Trainer.CountCorrect(network.LastOutputs(count), data.Labels.Slice(start, count), k);
        }
        group.AllReduceSum(sums);
        return new Evaluation(sums[0] / data.Count, data.IsClassification ? sums[1] / data.Count : null);
    }

    /// <summary>Confirms that every rank still holds bit-identical weights.</summary>
    /// <exception cref="DistributedTrainingException">A rank's weights differ from rank 0's.</exception>
    public void CheckReplicas(int epoch) => Replicas.CheckIdentical<T>(group, network.Parameters, $"After epoch {epoch}");

    private void Broadcast(Span<T> values) => group.Broadcast(MemoryMarshal.AsBytes(values), root: 0);

    private static (string, string, byte[]) Field(string name, string value) =>
        (name, value, SHA256.HashData(Encoding.UTF8.GetBytes(value))[..HashBytes]);

    private static (string, string, byte[]) DataField(string name, DataSet<T> data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(data.Features));
        hash.AppendData(MemoryMarshal.AsBytes(data.Targets));
        byte[] digest = hash.GetHashAndReset();
        string summary = $"{data.Count}×{data.FeatureCount}, SHA-256 {Convert.ToHexStringLower(digest, 0, 4)}";
        return (name, summary, digest[..HashBytes]);
    }

    private static string Text(ReadOnlySpan<byte> field) => Encoding.UTF8.GetString(field[HashBytes..]).TrimEnd('\0');
}
