using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nn.Training;

namespace Nn.Checkpoints;

/// <summary>Writes a model, and optionally a training state, in <see cref="CheckpointFormat"/>.</summary>
internal static class CheckpointEncoder
{
    public static byte[] Encode<T>(TrainedModel<T> model, TrainingState<T>? training) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");
        }
        Network<T> network = model.Network;
        if (training is not null && training.ParameterCount != network.ParameterCount)
        {
            throw new ArgumentException($"The training state holds {training.ParameterCount} parameters but the network has {network.ParameterCount}.", nameof(training));
        }
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            WriteModel(writer, model);
            if (training is not null) WriteTraining(writer, training);
        }

        int size = checked(CheckpointFormat.HeaderSize + (int)payload.Length + CheckpointFormat.ChecksumSize);
        var bytes = new byte[size];
        Span<byte> header = bytes.AsSpan(0, CheckpointFormat.HeaderSize);
        CheckpointFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], CheckpointFormat.Version);
        header[10] = (byte)System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        header[11] = training is null ? (byte)0 : CheckpointFormat.HasTrainingState;
        BinaryPrimitives.WriteInt64LittleEndian(header[12..], payload.Length);
        payload.GetBuffer().AsSpan(0, (int)payload.Length).CopyTo(bytes.AsSpan(CheckpointFormat.HeaderSize));
        int hashed = size - CheckpointFormat.ChecksumSize;
        SHA256.HashData(bytes.AsSpan(0, hashed), bytes.AsSpan(hashed));
        return bytes;
    }

    private static void WriteModel<T>(BinaryWriter writer, TrainedModel<T> model) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Network<T> network = model.Network;
        WriteString(writer, model.Summary);
        WriteString(writer, $"Nn {typeof(CheckpointEncoder).Assembly.GetName().Version?.ToString(3)}, saved {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}");

        IReadOnlyList<DenseBlock> blocks = network.Architecture.Blocks;
        writer.Write(blocks.Count);
        foreach (DenseBlock block in blocks)
        {
            writer.Write(block.Dense.Inputs);
            writer.Write(block.Dense.Outputs);
            writer.Write(CheckpointFormat.Code(block.Activation.Kind));
            writer.Write(block.Activation.Slope);
        }

        Data.FeatureScaler scaler = model.Scaler;
        writer.Write((byte)scaler.Kind);
        writer.Write(scaler.FeatureCount);
        foreach (double v in scaler.Scale) writer.Write(v);
        foreach (double v in scaler.Shift) writer.Write(v);

        writer.Write(model.ClassNames?.Count ?? -1);
        foreach (string name in model.ClassNames ?? []) WriteString(writer, name);

        WriteSlab<T>(writer, network.Parameters);
    }

    private static void WriteTraining<T>(BinaryWriter writer, TrainingState<T> state) where T : unmanaged, IFloatingPointIeee754<T>
    {
        WriteString(writer, state.Optimizer.Name);
        writer.Write(state.Optimizer.Values.Count);
        foreach (double v in state.Optimizer.Values) writer.Write(v);
        WriteString(writer, state.Loss);
        writer.Write(state.L2);
        writer.Write(state.Seed);
        writer.Write(state.BatchSize);
        writer.Write(state.Epoch);
        writer.Write(state.Iteration);
        writer.Write(state.OptimizerState.Steps);
        writer.Write(state.BestMetric);
        writer.Write(state.SinceBest);
        writer.Write(state.BestEpoch ?? 0);

        writer.Write(state.OptimizerState.MomentCount);
        for (int i = 0; i < state.OptimizerState.MomentCount; i++) WriteSlab<T>(writer, state.OptimizerState.Moment(i));
        WriteSlab<T>(writer, state.BestWeights.Span);

        writer.Write(state.Epochs.Count);
        foreach (EpochRecord r in state.Epochs)
        {
            writer.Write(r.Epoch);
            writer.Write(r.TrainingLoss);
            writer.Write(r.TrainingAccuracy ?? double.NaN);
            writer.Write(r.ValidationLoss ?? double.NaN);
            writer.Write(r.ValidationAccuracy ?? double.NaN);
            writer.Write(r.LearningRate);
            writer.Write(r.WeightChange);
            writer.Write(r.Elapsed.Ticks);
        }
    }

    private static void WriteSlab<T>(BinaryWriter writer, ReadOnlySpan<T> values) where T : unmanaged
    {
        writer.Write(values.Length);
        writer.Write(MemoryMarshal.AsBytes(values));
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        if (utf8.Length > CheckpointFormat.MaxStringBytes)
        {
            throw new ArgumentException($"A checkpoint string may hold {CheckpointFormat.MaxStringBytes} bytes; this one has {utf8.Length}.");
        }
        writer.Write(utf8.Length);
        writer.Write(utf8);
    }
}
