using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nn.Data;
using Nn.Training;

namespace Nn.Checkpoints;

/// <summary>
/// Reads <see cref="CheckpointFormat"/>: header, checksum, then the payload through a cursor that checks every
/// count against the bytes left before it allocates, so a forged size fails fast instead of allocating gigabytes.
/// Problems surface as <see cref="FormatException"/>; <see cref="Checkpoint"/> adds the file name.
/// </summary>
internal static class CheckpointDecoder
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates magic, version, length and checksum; returns the element size and whether training state follows.</summary>
    public static (int ElementSize, bool HasTraining) ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < CheckpointFormat.HeaderSize + CheckpointFormat.ChecksumSize)
        {
            throw new FormatException($"it is {file.Length} bytes long, shorter than any checkpoint ({CheckpointFormat.HeaderSize + CheckpointFormat.ChecksumSize})");
        }
        if (!file[..8].SequenceEqual(CheckpointFormat.Magic))
        {
            throw new FormatException("it does not start with the checkpoint magic \"NNCKPT\" (not an Nn checkpoint)");
        }
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[8..]);
        if (version != CheckpointFormat.Version)
        {
            throw new FormatException($"it has format version {version}; this build reads version {CheckpointFormat.Version}");
        }
        byte elementSize = file[10];
        if (elementSize is not (4 or 8))
        {
            throw new FormatException($"its element size is {elementSize} bytes; only 4 (float) and 8 (double) exist");
        }
        byte flags = file[11];
        if ((flags & ~CheckpointFormat.HasTrainingState) != 0)
        {
            throw new FormatException($"it sets unknown flags 0x{flags:x2}");
        }
        long payload = BinaryPrimitives.ReadInt64LittleEndian(file[12..]);
        long expected = CheckpointFormat.HeaderSize + payload + CheckpointFormat.ChecksumSize;
        if (payload < 0 || expected != file.Length)
        {
            throw new FormatException($"its header announces a {payload}-byte payload but the file holds {file.Length} bytes (truncated or padded)");
        }
        int hashed = file.Length - CheckpointFormat.ChecksumSize;
        Span<byte> checksum = stackalloc byte[CheckpointFormat.ChecksumSize];
        SHA256.HashData(file[..hashed], checksum);
        if (!checksum.SequenceEqual(file[hashed..]))
        {
            throw new FormatException("its SHA-256 checksum does not match its contents (the file is corrupt)");
        }
        return (elementSize, (flags & CheckpointFormat.HasTrainingState) != 0);
    }

    public static (TrainedModel<T> Model, TrainingState<T>? Training) Decode<T>(ReadOnlySpan<byte> file, NetworkOptions? options)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int elementSize, bool hasTraining) = ReadHeader(file);
        if (elementSize != Marshal.SizeOf<T>())
        {
            string stored = elementSize == 4 ? "float" : "double";
            throw new FormatException($"it holds {stored} parameters; load it as {stored} (Checkpoint.Load<{stored}>), or use Predictor, which reads both");
        }
        var cursor = new Cursor(file[CheckpointFormat.HeaderSize..^CheckpointFormat.ChecksumSize]);

        string summary = cursor.String("summary");
        string provenance = cursor.String("provenance");
        int blockCount = cursor.Count("layer count", minimumBytesEach: 17);
        if (blockCount == 0) throw new FormatException("it stores no layers");
        var layers = new List<Layer>();
        for (int i = 0; i < blockCount; i++)
        {
            int inputs = cursor.Int32(), outputs = cursor.Int32();
            byte code = cursor.Byte();
            double slope = cursor.Double();
            if (inputs < 1 || outputs < 1) throw new FormatException($"layer {i + 1} has {inputs} inputs and {outputs} outputs");
            layers.Add(new Dense(inputs, outputs));
            layers.Add(CheckpointFormat.ActivationFor(code, slope));
        }
        var architecture = new Sequential([.. layers]);

        byte scalingKind = cursor.Byte();
        if (!Enum.IsDefined((ScalingKind)scalingKind)) throw new FormatException($"unknown scaling kind {scalingKind}");
        int features = cursor.Count("scaler feature count", minimumBytesEach: 16);
        double[] scale = cursor.Doubles(features), shift = cursor.Doubles(features);
        FeatureScaler scaler = FeatureScaler.FromParameters((ScalingKind)scalingKind, scale, shift);

        long classCountAt = cursor.Position;
        int classCount = cursor.Int32();
        if (classCount < -1) throw new FormatException($"class count {classCount}");
        string[]? classNames = null;
        if (classCount >= 0)
        {
            classNames = new string[cursor.CheckCount(classCount, "class name count", minimumBytesEach: 4, classCountAt)];
            for (int i = 0; i < classCount; i++) classNames[i] = cursor.String("class name");
        }

        DenseLayout.For(architecture, out int parameterCount);
        // The parameter slab must be in the file before a network of that size is allocated.
        if ((long)parameterCount * Marshal.SizeOf<T>() > cursor.Remaining)
        {
            throw new FormatException($"its architecture {architecture} needs {parameterCount} parameters but only {cursor.Remaining} bytes remain");
        }
        var network = new Network<T>(architecture, options);
        TrainingState<T>? training = null;
        try
        {
            cursor.Slab(network.Parameters, "parameters");
            // The model owns the network from here on, and disposing the network disposes all the model holds until
            // its first prediction.
            var model = new TrainedModel<T>(network, scaler, classNames, string.IsNullOrEmpty(summary) ? provenance : summary);
            if (hasTraining) training = DecodeTraining<T>(ref cursor, parameterCount);
            if (!cursor.AtEnd) throw new FormatException($"{cursor.Remaining} bytes follow the last field");
            if (!Network<T>.AllFinite(network.Parameters)) throw new FormatException("its parameters hold NaN or infinity");
            return (model, training);
        }
        catch
        {
            network.Dispose();
            training?.Dispose();
            throw;
        }
    }

    private static TrainingState<T> DecodeTraining<T>(ref Cursor cursor, int parameterCount) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string name = cursor.String("optimizer name");
        int valueCount = cursor.Count("optimizer hyperparameter count", minimumBytesEach: 8);
        var description = new OptimizerDescription(name, cursor.Doubles(valueCount));
        string lossName = cursor.String("loss name");
        double l2 = cursor.Double();
        int seed = cursor.Int32(), batchSize = cursor.Int32(), epoch = cursor.Int32();
        long iteration = cursor.Int64(), steps = cursor.Int64();
        double bestMetric = cursor.Double();
        int sinceBest = cursor.Int32(), bestEpoch = cursor.Int32();
        if (!double.IsFinite(l2) || l2 < 0 || batchSize < 1 || epoch < 0 || iteration < 0 || steps < 0 || sinceBest < 0 || bestEpoch < 0 || bestEpoch > epoch)
        {
            throw new FormatException($"its training position is inconsistent (batch {batchSize}, epoch {epoch}, iteration {iteration}, steps {steps}, best epoch {bestEpoch})");
        }
        TrainingState<T> state;
        try
        {
            state = new TrainingState<T>(description, lossName, l2, seed, batchSize, parameterCount);
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"its optimizer cannot be rebuilt: {error.Message}", error);
        }
        try
        {
            int moments = cursor.Int32();
            if (moments != state.OptimizerState.MomentCount)
            {
                throw new FormatException($"it stores {moments} optimizer moment slabs but {name} keeps {state.OptimizerState.MomentCount}");
            }
            for (int i = 0; i < moments; i++) cursor.Slab(state.OptimizerState.Moment(i), $"optimizer moment {i + 1}");
            cursor.Slab(state.BestWeights.Span, "best weights");
            state.OptimizerState.Steps = steps;
            state.Epoch = epoch;
            state.Iteration = iteration;
            state.BestMetric = bestMetric;
            state.SinceBest = sinceBest;
            state.BestEpoch = bestEpoch == 0 ? null : bestEpoch;
            int records = cursor.Count("history record count", minimumBytesEach: 60);
            for (int i = 0; i < records; i++)
            {
                int number = cursor.Int32();
                double loss = cursor.Double(), accuracy = cursor.Double(), validationLoss = cursor.Double(), validationAccuracy = cursor.Double();
                double rate = cursor.Double(), change = cursor.Double();
                long ticks = cursor.Int64();
                state.EpochList.Add(new EpochRecord(number, loss, NullIfNaN(accuracy), NullIfNaN(validationLoss), NullIfNaN(validationAccuracy),
                    rate, change, TimeSpan.FromTicks(Math.Max(0, ticks))));
            }
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    private static double? NullIfNaN(double value) => double.IsNaN(value) ? null : value;

    /// <summary>A bounds-checked little-endian reader over the payload.</summary>
    private ref struct Cursor(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly int Remaining => _data.Length - _position;

        public readonly bool AtEnd => _position == _data.Length;

        public byte Byte() => Take(1)[0];

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public double Double() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

        /// <summary>Reads a count and checks that that many items of at least <paramref name="minimumBytesEach"/> bytes fit in what remains.</summary>
        public int Count(string what, int minimumBytesEach)
        {
            long at = Offset;
            return CheckCount(Int32(), what, minimumBytesEach, at);
        }

        /// <summary>Checks that <paramref name="count"/> items of at least <paramref name="minimumBytesEach"/> bytes fit in what remains; <paramref name="at"/> is where the count was stored.</summary>
        public readonly int CheckCount(int count, string what, int minimumBytesEach, long at)
        {
            if (count < 0 || (long)count * minimumBytesEach > Remaining)
            {
                throw new FormatException($"its {what} {count} at offset {at} does not fit in the {Remaining} bytes left");
            }
            return count;
        }

        public double[] Doubles(int count)
        {
            var values = new double[CheckCount(count, "value count", 8, Offset)];
            for (int i = 0; i < count; i++) values[i] = Double();
            return values;
        }

        public string String(string what)
        {
            long at = Offset;   // messages point at the field, not past it
            int length = Int32();
            if (length < 0 || length > CheckpointFormat.MaxStringBytes || length > Remaining)
            {
                throw new FormatException($"its {what} claims {length} bytes at offset {at}");
            }
            try
            {
                return StrictUtf8.GetString(Take(length));
            }
            catch (DecoderFallbackException)
            {
                throw new FormatException($"its {what} at offset {at} is not UTF-8");
            }
        }

        /// <summary>Reads a stored slab into <paramref name="destination"/>, whose length the architecture fixed.</summary>
        public void Slab<T>(Span<T> destination, string what) where T : unmanaged
        {
            int count = Int32();
            if (count != destination.Length)
            {
                throw new FormatException($"it stores {count} values of {what} where the architecture needs {destination.Length}");
            }
            Take(checked(count * Marshal.SizeOf<T>())).CopyTo(MemoryMarshal.AsBytes(destination));
        }

        /// <summary>The file offset of the next field.</summary>
        public readonly long Position => Offset;

        private readonly long Offset => CheckpointFormat.HeaderSize + _position;

        private ReadOnlySpan<byte> Take(int length)
        {
            if (length > Remaining)
            {
                throw new FormatException($"it ends early: {length} bytes needed at offset {Offset}, {Remaining} left");
            }
            ReadOnlySpan<byte> slice = _data.Slice(_position, length);
            _position += length;
            return slice;
        }
    }
}
