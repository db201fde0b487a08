using System.Security.Cryptography;
using System.Text;
using Nn.Checkpoints;
using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Checkpoints;

/// <summary>
/// Every check of the checkpoint reader, one field at a time, on files written by an independent writer here (not the
/// engine's encoder), so each message names exactly the field that is wrong and a valid file of that shape loads.
/// </summary>
public sealed class CheckpointFieldTests
{
    /// <summary>A float checkpoint of Dense(2, 2) + Softmax with an Adam training state, every field settable.</summary>
    internal sealed record File
    {
        public byte[] Magic { get; init; } = "NNCKPT\r\n"u8.ToArray();
        public ushort Version { get; init; } = 1;
        public byte ElementSize { get; init; } = 4;
        public byte Flags { get; init; } = 1;
        public long? PayloadLength { get; init; }
        public byte[] Summary { get; init; } = "a model"u8.ToArray();
        public int? SummaryLength { get; init; }
        public int Blocks { get; init; } = 1;
        public int Inputs { get; init; } = 2;
        public int Outputs { get; init; } = 2;
        public byte ActivationCode { get; init; } = 6;
        public byte ScalingKind { get; init; } = 1;
        public int ClassCount { get; init; } = 2;
        public int ParameterCount { get; init; } = 6;
        public float[] Parameters { get; init; } = [0.5f, -0.25f, 1, 2, 0.1f, -0.1f];
        public string Optimizer { get; init; } = "Adam";
        public double L2 { get; init; } = 0.01;
        public int Batch { get; init; } = 4;
        public int Epoch { get; init; } = 3;
        public long Iteration { get; init; } = 9;
        public long Steps { get; init; } = 9;
        public int SinceBest { get; init; }
        public int BestEpoch { get; init; } = 2;
        public int Moments { get; init; } = 2;
        public double Accuracy { get; init; } = 0.75;
        public long Ticks { get; init; } = 12345;
        public byte[] Trailing { get; init; } = [];
        public bool Reseal { get; init; } = true;
        public bool Empty { get; init; }
        public int? WrittenClasses { get; init; }
        // Forged lengths and counts of the fields after the summary; the bytes written stay those of the valid file.
        public int? ProvenanceLength { get; init; }
        public int? ScalerFeatures { get; init; }
        public int? ClassNameLength { get; init; }
        public int? OptimizerNameLength { get; init; }
        public int? HyperparameterCount { get; init; }
        public int? LossNameLength { get; init; }
        public int? HistoryCount { get; init; }
        public float[]? FirstMoment { get; init; }
        public float[]? BestWeights { get; init; }

        public byte[] Bytes()
        {
            using var payload = new MemoryStream();
            using (var w = new BinaryWriter(payload))
            {
                void Str(byte[] utf8, int? length = null)
                {
                    w.Write(length ?? utf8.Length);
                    w.Write(utf8);
                }
                void Slab(float[] values)
                {
                    w.Write(values.Length);
                    foreach (float v in values) w.Write(v);
                }
                Str(Summary, SummaryLength);
                Str("Nn test writer"u8.ToArray(), ProvenanceLength);
                w.Write(Blocks);
                for (int b = 0; b < Math.Min(Blocks, 1); b++)   // a forged count larger than one still writes one block
                {
                    w.Write(Inputs);
                    w.Write(Outputs);
                    w.Write(ActivationCode);
                    w.Write(0.0);
                }
                w.Write(ScalingKind);
                w.Write(ScalerFeatures ?? Inputs);   // one scale and one shift per input: 1, 0.5, 1, 0.5 … and 0, −1, 0, −1 …
                for (int f = 0; f < Inputs; f++) w.Write(f % 2 == 0 ? 1.0 : 0.5);
                for (int f = 0; f < Inputs; f++) w.Write(f % 2 == 0 ? 0.0 : -1.0);
                w.Write(ClassCount);
                for (int c = 0; c < (WrittenClasses ?? Math.Max(0, ClassCount)); c++) Str(Encoding.UTF8.GetBytes($"class{c}"), c == 0 ? ClassNameLength : null);
                w.Write(ParameterCount);
                foreach (float p in Parameters) w.Write(p);
                if ((Flags & 1) != 0)
                {
                    Str(Encoding.UTF8.GetBytes(Optimizer), OptimizerNameLength);
                    w.Write(HyperparameterCount ?? 4);
                    foreach (double v in new[] { 0.001, 0.9, 0.999, 1e-8 }) w.Write(v);
                    Str("CategoricalCrossEntropy"u8.ToArray(), LossNameLength);
                    w.Write(L2);
                    w.Write(7);             // seed
                    w.Write(Batch);
                    w.Write(Epoch);
                    w.Write(Iteration);
                    w.Write(Steps);
                    w.Write(0.5);           // best metric
                    w.Write(SinceBest);
                    w.Write(BestEpoch);
                    w.Write(Moments);
                    for (int m = 0; m < Moments; m++) Slab(m == 0 && FirstMoment is not null ? FirstMoment : [1, 2, 3, 4, 5, 6]);
                    Slab(BestWeights ?? [6, 5, 4, 3, 2, 1]);
                    w.Write(HistoryCount ?? 1);             // one history record
                    w.Write(1);
                    w.Write(0.7); w.Write(Accuracy); w.Write(double.NaN); w.Write(double.NaN); w.Write(0.001); w.Write(2.5);
                    w.Write(Ticks);
                }
                w.Write(Trailing);
            }
            byte[] body = Empty ? [] : payload.ToArray();
            var file = new byte[20 + body.Length + 32];
            Magic.CopyTo(file, 0);
            BitConverter.GetBytes(Version).CopyTo(file, 8);
            file[10] = ElementSize;
            file[11] = Flags;
            BitConverter.GetBytes(PayloadLength ?? body.Length).CopyTo(file, 12);
            body.CopyTo(file, 20);
            if (Reseal) SHA256.HashData(file.AsSpan(0, file.Length - 32), file.AsSpan(file.Length - 32));
            return file;
        }
    }

    private static string Refusal(File file)
    {
        CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(file.Bytes(), "forged.nnck"));
        Assert.StartsWith("forged.nnck is not a usable Nn checkpoint: ", error.Message);
        return error.Message;
    }

    [Fact]
    public void TheIndependentWritersFileLoadsWithEveryFieldInPlace()
    {
        (TrainedModel<float> model, TrainingState<float>? state) = Checkpoint.Load<float>(new File().Bytes(), "valid.nnck");
        using (model)
        using (state)
        {
            Assert.Equal([0.5f, -0.25f, 1, 2, 0.1f, -0.1f], model.Network.Parameters.ToArray());
            Assert.Equal("a model", model.Summary);
            Assert.Equal(["class0", "class1"], model.ClassNames);
            Assert.Equal([1.0, 0.5], model.Scaler.Scale);
            Assert.Equal([0.0, -1.0], model.Scaler.Shift);
            Assert.NotNull(state);
            Assert.Equal((3, 9L, 4, 0.01, 2), (state.Epoch, state.Iteration, state.BatchSize, state.L2, state.BestEpoch!.Value));
            Assert.Equal(9, state.OptimizerState.Steps);
            Assert.Equal([1.0f, 2, 3, 4, 5, 6], state.OptimizerState.Moment(1).ToArray());
            Assert.Equal([6.0f, 5, 4, 3, 2, 1], state.BestWeights.Span.ToArray());
            EpochRecord record = Assert.Single(state.Epochs);
            Assert.Equal(0.75, record.TrainingAccuracy);
            Assert.Null(record.ValidationLoss);     // NaN on disk means "none"
            Assert.Equal(12345, record.Elapsed.Ticks);
        }
        using TrainedModel<float> untrained = Checkpoint.LoadModel<float>(new File { Flags = 0 }.Bytes() is var bytes ? Save(bytes) : "");
        Assert.Equal(2, untrained.Network.OutputSize);
    }

    private static string Save(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"nn-field-{Guid.NewGuid():N}.nnck");
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public static TheoryData<string, string> Forgeries => new()
    {
        { "flags", "it sets unknown flags 0x03" },
        { "negative payload", "its header announces a -1-byte payload" },
        { "no layers", "it stores no layers" },
        { "empty layer", "layer 1 has 0 inputs and 2 outputs" },
        { "unknown activation", "unknown activation code 9" },
        { "unknown scaling", "unknown scaling kind 7" },
        { "class count", "class count -2" },
        { "no class names", "0 class names do not fit 2 outputs" },
        { "parameter count", "it stores 5 values of parameters where the architecture needs 6" },
        { "nan parameter", "its parameters hold NaN or infinity" },
        { "trailing", "3 bytes follow the last field" },
        { "long string", "its summary claims 70000 bytes at offset 20" },
        { "negative string", "its summary claims -1 bytes at offset 20" },
        { "bad utf8", "its summary at offset 20 is not UTF-8" },
        { "batch", "its training position is inconsistent (batch 0," },
        { "epoch", "its training position is inconsistent (batch 4, epoch -1," },
        { "iteration", "iteration -1" },
        { "steps", "steps -1" },
        { "since best", "its training position is inconsistent" },
        { "best epoch", "best epoch 4)" },
        { "l2 nan", "its training position is inconsistent" },
        { "l2 negative", "its training position is inconsistent" },
        { "optimizer", "its optimizer cannot be rebuilt: Unknown optimizer 'Lion'" },
        { "moments", "it stores 1 optimizer moment slabs but Adam keeps 2" },
        { "short", "it is 40 bytes long, shorter than any checkpoint (52)" },
        { "layer count", "its layer count 1000000 at offset 49 does not fit in the" },
        { "ten layers", "its layer count 10 at offset 49 does not fit in the" },
        { "class names", "its class name count 1000 at offset 107 does not fit in the" },
        { "class names just over", "its class name count 13 at offset 107 does not fit in the 48 bytes left" },
        { "class names exactly", "its class name claims 48768 bytes at offset 141" },
        { "big layer", "its architecture 100000-2 (Softmax) needs 200002 parameters but only" },
        { "empty payload", "it ends early: 4 bytes needed at offset 20, 0 left" },
        // Each length and count is named in its refusal (the offsets are where the field starts).
        { "long provenance", "its provenance claims 70000 bytes at offset 31" },
        { "scaler features", "its scaler feature count 1000000 at offset 71 does not fit in the" },
        { "long class name", "its class name claims 70000 bytes at offset 111" },
        { "long optimizer name", "its optimizer name claims 70000 bytes at offset " },
        { "hyperparameter count", "its optimizer hyperparameter count 1000000 at offset " },
        { "long loss name", "its loss name claims 70000 bytes at offset " },
        { "history count", "its history record count 1000000 at offset " },
        { "short moment", "it stores 5 values of optimizer moment 1 where the architecture needs 6" },
        { "long best weights", "it stores 7 values of best weights where the architecture needs 6" },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public void EachForgedFieldIsRefusedByName(string forgery, string message)
    {
        File file = Forged(forgery);
        if (forgery == "short")
        {
            CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(file.Bytes()[..40], "forged.nnck"));
            Assert.Contains(message, error.Message);
            return;
        }
        string refusal = Refusal(file);
        Assert.True(refusal.Contains(message, StringComparison.Ordinal), refusal);
    }

    /// <summary>The file of each forgery in <see cref="Forgeries"/> ("short" is the valid file, cut by the caller).</summary>
    internal static File Forged(string forgery) => forgery switch
        {
            "flags" => new File { Flags = 3 },
            "negative payload" => new File { PayloadLength = -1 },
            "no layers" => new File { Blocks = 0 },
            "empty layer" => new File { Inputs = 0 },
            "unknown activation" => new File { ActivationCode = 9 },
            "unknown scaling" => new File { ScalingKind = 7 },
            "class count" => new File { ClassCount = -2 },
            "no class names" => new File { ClassCount = 0 },
            "parameter count" => new File { ParameterCount = 5, Parameters = [1, 2, 3, 4, 5] },
            "nan parameter" => new File { Parameters = [1, float.NaN, 3, 4, 5, 6] },
            "trailing" => new File { Trailing = [1, 2, 3] },
            "long string" => new File { SummaryLength = 70_000 },
            "negative string" => new File { SummaryLength = -1 },
            "bad utf8" => new File { Summary = [0xC3, 0x28] },
            "batch" => new File { Batch = 0 },
            "epoch" => new File { Epoch = -1, BestEpoch = 0 },
            "iteration" => new File { Iteration = -1 },
            "steps" => new File { Steps = -1 },
            "since best" => new File { SinceBest = -1 },
            "best epoch" => new File { BestEpoch = 4 },
            "l2 nan" => new File { L2 = double.NaN },
            "l2 negative" => new File { L2 = -1 },
            "optimizer" => new File { Optimizer = "Lion" },
            "moments" => new File { Moments = 1 },
            "short" => new File(),
            "layer count" => new File { Blocks = 1_000_000, Flags = 0 },
            "big layer" => new File { Inputs = 100_000, Flags = 0 },
            "ten layers" => new File { Blocks = 10, Flags = 0 },
            "class names" => new File { ClassCount = 1000, Flags = 0, WrittenClasses = 2 },
            // 48 bytes follow the count: 13 names of at least 4 bytes cannot fit (a quotient in place of the product
            // would let them through); 12 can, as far as the count can tell, and the third name then reads garbage.
            "class names just over" => new File { ClassCount = 13, Flags = 0, WrittenClasses = 2 },
            "class names exactly" => new File { ClassCount = 12, Flags = 0, WrittenClasses = 2 },
            "empty payload" => new File { Empty = true },
            "long provenance" => new File { ProvenanceLength = 70_000 },
            "scaler features" => new File { ScalerFeatures = 1_000_000 },
            "long class name" => new File { ClassNameLength = 70_000 },
            "long optimizer name" => new File { OptimizerNameLength = 70_000 },
            "hyperparameter count" => new File { HyperparameterCount = 1_000_000 },
            "long loss name" => new File { LossNameLength = 70_000 },
            "history count" => new File { HistoryCount = 1_000_000 },
            "short moment" => new File { FirstMoment = [1, 2, 3, 4, 5] },
            "long best weights" => new File { BestWeights = [1, 2, 3, 4, 5, 6, 7] },
            _ => throw new ArgumentException(forgery),
        };

    [Fact]
    public void BoundaryValuesThatAreValidLoad()
    {
        // Every lower bound the reader enforces, met exactly: one input, batch 1, epoch 0, no steps, no L2, a summary of
        // the largest allowed size; and an empty summary falls back to the provenance.
        File[] valid =
        [
            new() { Inputs = 1, ParameterCount = 4, Parameters = [1, 2, 3, 4], Flags = 0 },
            new() { Outputs = 1, ActivationCode = 2, ClassCount = -1, ParameterCount = 3, Parameters = [1, 2, 3], Flags = 0 },
            new() { Batch = 1, Epoch = 0, BestEpoch = 0, Iteration = 0, Steps = 0, L2 = 0 },
            new() { Summary = Enumerable.Repeat((byte)'s', 65_536).ToArray() },
        ];
        foreach (File file in valid)
        {
            (TrainedModel<float> model, TrainingState<float>? state) = Checkpoint.Load<float>(file.Bytes(), "edge.nnck");
            model.Dispose();
            state?.Dispose();
        }
        using TrainedModel<float> unnamed = Checkpoint.Load<float>(new File { Summary = [], Flags = 0 }.Bytes(), "x").Model;
        Assert.Equal("Nn test writer", unnamed.Summary);
        // 52 bytes is the smallest file that passes the length check: it fails on its magic instead.
        Assert.Contains("magic", Assert.Throws<CheckpointException>(() => Checkpoint.Load<float>(new byte[52], "tiny")).Message);
        Assert.Contains("Checkpoint not found", Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadModel<float>(Path.Combine(Path.GetTempPath(), "gone.nnck"))).Message);
    }

    [Fact]
    public void TheEncoderWritesTheHistoryAndBestEpochAsTheyAre()
    {
        using var model = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Softmax()), new NetworkOptions { Seed = 1 }));
        using var state = new TrainingState<float>(new TrainingOptions { Loss = new CategoricalCrossEntropy() }, model.Network.ParameterCount);
        state.EpochList.Add(new EpochRecord(1, 0.7, 0.75, 0.8, 0.6, 0.001, 2.5, TimeSpan.FromTicks(99)));
        state.EpochList.Add(new EpochRecord(2, 0.6, null, null, null, 0.001, 1.5, TimeSpan.FromTicks(77)));
        state.Epoch = 2;
        state.BestEpoch = 1;
        (TrainedModel<float> back, TrainingState<float>? loaded) = Checkpoint.Load<float>(Checkpoint.ToBytes(model, state), "history");
        using (back)
        using (loaded)
        {
            Assert.Equal(state.Epochs, loaded!.Epochs);
            Assert.Equal(1, loaded.BestEpoch);
        }
    }

    [Fact]
    public void AModelWithoutASummaryIsDescribedByTheEnginesProvenance()
    {
        // The encoder writes which engine version saved the file and when (UTC); a model without a summary shows that.
        using var model = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Softmax()), new NetworkOptions { Seed = 1 }));
        Assert.Equal("", model.Summary);
        using TrainedModel<float> back = Checkpoint.Load<float>(Checkpoint.ToBytes(model), "provenance").Model;
        string version = typeof(Checkpoint).Assembly.GetName().Version!.ToString(3);
        Assert.Matches($"^Nn {System.Text.RegularExpressions.Regex.Escape(version)}, saved 20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$", back.Summary);
    }

    [Fact]
    public void TheBestEpochAndHistoryFieldsComeBackAsStored()
    {
        (TrainedModel<float> model, TrainingState<float>? state) = Checkpoint.Load<float>(new File { BestEpoch = 0, Accuracy = double.NaN, Ticks = -5 }.Bytes(), "x");
        using (model)
        using (state)
        {
            Assert.Null(state!.BestEpoch);                              // 0 on disk: no best epoch
            Assert.Null(state.Epochs[0].TrainingAccuracy);
            Assert.Equal(TimeSpan.Zero, state.Epochs[0].Elapsed);       // a negative duration is read as zero
        }
    }

    [Fact]
    public void PrecisionHeaderAndMagicAreReportedAsStored()
    {
        byte[] single = new File().Bytes();
        Assert.Equal(typeof(float), Checkpoint.ElementTypeOf(single, "f"));
        CheckpointException error = Assert.Throws<CheckpointException>(() => Checkpoint.Load<double>(single, "narrow.nnck"));
        Assert.Contains("it holds float parameters; load it as float (Checkpoint.Load<float>)", error.Message);
        Assert.Contains("checkpoint magic", Assert.Throws<CheckpointException>(() => Checkpoint.ElementTypeOf(new File { Magic = "NNCKPT\n\n"u8.ToArray() }.Bytes(), "m")).Message);

        string path = Save(single);
        Assert.True(Checkpoint.HasMagic(path));
        Assert.False(Checkpoint.HasMagic(Save(new File { Magic = "NNCKPU\r\n"u8.ToArray() }.Bytes())));
        Assert.False(Checkpoint.HasMagic(Save([(byte)'N', (byte)'N'])));
        Assert.False(Checkpoint.HasMagic(Path.Combine(Path.GetTempPath(), "no-such-file.nnck")));
        Assert.Throws<FileNotFoundException>(() => Checkpoint.LoadModel<float>(Path.Combine(Path.GetTempPath(), "no-such-file.nnck")));
        Assert.Throws<ArgumentException>(() => Checkpoint.LoadModel<float>(""));
    }

    [Fact]
    public void TheEncoderRefusesWhatItCannotWrite()
    {
        Assert.Throws<ArgumentNullException>(() => Checkpoint.ToBytes<float>(null!));
        using var model = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Softmax())), null, null, new string('x', 70_000));
        Assert.Contains("may hold 65536 bytes", Assert.Throws<ArgumentException>(() => Checkpoint.ToBytes(model)).Message);
        using var longest = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(2, 2), new Softmax())), null, null, new string('x', 65_536));
        Assert.Equal(new string('x', 65_536), Checkpoint.Load<float>(Checkpoint.ToBytes(longest), "longest").Model.Summary);
        using var other = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(3, 2), new Softmax())));
        using var state = new TrainingState<float>(new TrainingOptions { Loss = new CategoricalCrossEntropy() }, 100);
        Assert.Contains("holds 100 parameters", Assert.Throws<ArgumentException>(() => Checkpoint.ToBytes(other, state)).Message);
    }
}
