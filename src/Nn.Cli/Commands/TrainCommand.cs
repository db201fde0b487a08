using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nn.Data;
using Nn.Export;
using Nn.Native.Distributed;
using Nn.Training;

namespace Nn.Cli.Commands;

/// <summary>
/// nn train: trains on a data set (the built-in digits by default), prints the test result, writes the ONNX
/// model and checks ONNX Runtime against the engine on the test inputs.
/// </summary>
internal static class TrainCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string>
    {
        "data", "label", "task", "hidden", "activation", "loss", "optimizer", "lr", "epochs", "batch", "l2", "seed", "scaling",
        "validation", "patience", "output", "force", "report", "blas", "threads", "quiet", "save", "resume", "plot", "distributed", "weight-decay", "schedule",
    };

    // What a checkpoint fixes: giving these with --resume would silently be ignored or break the resumed run.
    private static readonly string[] FixedByCheckpoint = ["hidden", "activation", "loss", "optimizer", "lr", "batch", "l2", "seed", "scaling", "task", "weight-decay"];

    private static readonly Dictionary<string, Func<Activation>> ActivationChoices = new()
    {
        ["relu"] = () => new Relu(), ["tanh"] = () => new Tanh(), ["sigmoid"] = () => new Sigmoid(),
        ["leakyrelu"] = () => new LeakyRelu(), ["identity"] = () => new Identity(),
    };

    private static readonly Dictionary<string, ScalingKind> ScalingChoices = new()
    {
        ["minmax"] = ScalingKind.MinMax, ["standard"] = ScalingKind.Standard, ["none"] = ScalingKind.None,
    };

    private static readonly Dictionary<string, string> LossChoices = new() { ["ce"] = "ce", ["hinge"] = "hinge", ["mse"] = "mse" };

    private static readonly Dictionary<string, string> OptimizerChoices = new()
    {
        ["adam"] = "adam", ["adamw"] = "adamw", ["sgd"] = "sgd", ["momentum"] = "momentum", ["nesterov"] = "nesterov", ["rmsprop"] = "rmsprop", ["adagrad"] = "adagrad",
    };

    public static int Run(Arguments args, TextWriter output) =>
        args.Has("distributed") ? DistributedRun.Run(args, output, Train) : Train(args, output, null);

    private const int FashionPixels = 784, FashionClasses = 10;

    // The network for features → targets: dense layers of the hidden widths with the activation, and the head the loss needs.
    private static (Sequential Architecture, Loss Loss) Layers(int features, int targets, int[] hidden, Func<Activation> activation, string lossName)
    {
        (Activation head, Loss loss) = lossName switch
        {
            "hinge" => ((Activation)new Identity(), (Loss)new Hinge()),
            "mse" => (new Identity(), new MeanSquaredError()),
            _ => (new Softmax(), new CategoricalCrossEntropy()),
        };
        return (DenseStack.Build(features, hidden, activation, targets, head), loss);
    }

    private static Optimizer MakeOptimizer(string name, double rate, double weightDecay) => name switch
    {
        "sgd" => new GradientDescent(rate),
        "momentum" => new GradientDescent(rate, 0.9),
        "nesterov" => new GradientDescent(rate, 0.9, nesterov: true),
        "rmsprop" => new RmsProp(rate),
        "adagrad" => new Adagrad(rate),
        "adamw" => new AdamW(rate, weightDecay),
        _ => new Adam(rate),
    };

    // A warm-up that fails changes nothing: the run itself checks the same options and reports what is wrong.
    private static void WarmUp(Sequential architecture, TrainingOptions options)
    {
        try
        {
            Trainer.WarmUp<float>(architecture, options);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException)
        {
        }
    }

    private static int Train(Arguments args, TextWriter output, MpiCommunicator? world)
    {
        // Under mpirun every rank trains; rank 0 alone prints and writes files.
        bool writer = world is null || world.Rank == 0;
        // Everything is parsed and checked before any work starts.
        string source = args.Text("data", "digits");
        string? resumePath = args.OptionalText("resume");
        string? savePath = args.OptionalText("save");
        if (resumePath is not null && FixedByCheckpoint.FirstOrDefault(args.Has) is { } clash)
        {
            throw new UsageException($"--{clash} comes from the checkpoint when resuming; drop it (only --data, --epochs, --validation, --patience and the outputs apply).");
        }
        bool regression = args.Choice("task", false, new Dictionary<string, bool> { ["classification"] = false, ["regression"] = true });
        int seed = args.Int("seed", 1, 0);
        // Fashion-MNIST (784 pixels, 60,000 images) gets the network and batch its benchmarks use; everything else the digits-sized default.
        bool fashion = source.StartsWith("fashion-mnist", StringComparison.OrdinalIgnoreCase);
        int[] hidden = args.IntList("hidden", fashion ? [256, 128] : [64, 32]);
        Func<Activation> activation = args.Choice("activation", ActivationChoices["relu"], ActivationChoices);
        string lossName = args.Choice("loss", "ce", LossChoices);
        // Fashion-MNIST's default recipe (test accuracy 90.0 % after 20 epochs; bench/RESULTS.md "A Fashion-MNIST recipe"):
        // the benchmark network with AdamW (decoupled decay 0.05) and a cosine schedule instead of L2.
        string optimizerName = args.Choice("optimizer", fashion ? "adamw" : "adam", OptimizerChoices);
        if (args.Has("weight-decay") && optimizerName != "adamw")
        {
            throw new UsageException($"--weight-decay is AdamW's decoupled decay; with --optimizer {optimizerName} use --l2.");
        }
        double weightDecay = args.Double("weight-decay", fashion ? 0.05 : 0.01, 0, 1);
        bool cosine = args.Choice("schedule", fashion, new Dictionary<string, bool> { ["constant"] = false, ["cosine"] = true });
        double rate = args.Double("lr", optimizerName is "sgd" or "momentum" or "nesterov" ? 0.05 : fashion ? 1e-3 : 3e-3, 0, 100, minExclusive: true);
        int epochs = args.Int("epochs", fashion ? 20 : 30, 1, 1_000_000);
        int batch = args.Int("batch", fashion ? 128 : 32, 1);
        double l2 = args.Double("l2", fashion ? 0 : 1e-4, 0, 1e6);
        ScalingKind scaling = args.Choice("scaling", ScalingKind.MinMax, ScalingChoices);
        double validation = args.Double("validation", 0.1, 0, 0.9);
        int patience = args.Int("patience", 0, 0);
        string outputPath = args.Text("output", "nn-model.onnx");
        string? reportPath = args.OptionalText("report");
        bool quiet = args.Has("quiet");
        string? plotPath = args.OptionalText("plot");
        if (writer)
        {
            ModelFiles.CheckWritable(outputPath, args.Has("force"));
            if (reportPath is not null) ModelFiles.CheckWritable(reportPath, args.Has("force"), onlyNnFiles: false);
            if (savePath is not null) ModelFiles.CheckWritable(savePath, args.Has("force"));
            if (plotPath is not null) ModelFiles.CheckPlot(plotPath, args.Has("force"));
        }
        Resume? resume = resumePath is null ? null : Resume.Load(resumePath, world);
        if (resume is not null) seed = resume.State.Seed;   // the data split and shuffles must be the original run's
        InfoCommand.ConfigureBlas(args);
        if (world is not null) DistributedRun.ShareCores(args);
        if (patience > 0 && validation == 0)
        {
            throw new UsageException("--patience needs validation data; set --validation above 0.");
        }

        // Fashion-MNIST takes a while to load, and its shapes are known: the JIT compiles the training path meanwhile
        // (first epoch 0.37 s instead of 0.45 s). Everything the warm-up reads is made here, before it starts.
        Task? warmUp = null;
        if (fashion && resume is null && world is null && !regression)
        {
            (Sequential warmArchitecture, Loss warmLoss) = Layers(FashionPixels, FashionClasses, hidden, activation, lossName);
            var warmOptions = new TrainingOptions
            {
                Loss = warmLoss, Optimizer = MakeOptimizer(optimizerName, rate, weightDecay), BatchSize = batch, L2 = l2, Seed = seed,
                ValidationSplit = validation, Schedule = cosine ? LearningRateSchedule.Cosine(epochs) : LearningRateSchedule.Constant,
            };
            warmUp = Task.Run(() => WarmUp(warmArchitecture, warmOptions));
        }
        (DataSet<float> train, DataSet<float> test) = DataSources.Load(source, args.OptionalText("label"), seed, regression);
        warmUp?.GetAwaiter().GetResult();   // its expected failures are swallowed; anything else surfaces unwrapped
        using (train)
        using (test)
        {
            bool classification = train.IsClassification;
            if (!classification && lossName != "mse")
            {
                lossName = "mse";
            }
            int keep = Math.Min(test.Count, 1000);
            float[] rawTest = test.Features[..(keep * test.FeatureCount)].ToArray();
            FeatureScaler scaler = resume?.Model.Scaler ?? FeatureScaler.Fit(train, scaling);
            scaler.Transform(train);
            scaler.Transform(test);

            (Sequential built, Loss loss) = Layers(train.FeatureCount, train.TargetCount, hidden, activation, lossName);
            Sequential architecture = resume?.Model.Network.Architecture ?? built;
            if (resume is not null)
            {
                loss = resume.Loss;
                (seed, batch, l2) = (resume.State.Seed, resume.State.BatchSize, resume.State.L2);
                resume.CheckFits(train);
            }
            Network<float> network = resume?.Model.Network
                ?? new Network<float>(architecture, new NetworkOptions { Seed = seed, Initializer = activation() is Relu or LeakyRelu ? Initializer.HeNormal : Initializer.FanInNormal });
            Optimizer optimizer = resume is not null ? Optimizer.FromDescription(resume.State.Optimizer) : MakeOptimizer(optimizerName, rate, weightDecay);
            output.WriteLine($"data      {train.Source}: {train.Count} training / {test.Count} test samples, {train.FeatureCount} features, {(classification ? $"{train.TargetCount} classes" : "regression")}");
            output.WriteLine($"network   {architecture}, {network.ParameterCount:N0} parameters, {loss}, {optimizer}, {(cosine ? "cosine schedule, " : "")}batch {batch}, L2 {l2}, scaling {scaling}");
            output.WriteLine($"blas      {network.Provider.Name} ({network.Provider.Threads} threads{(world is null ? "" : " per rank")})");
            if (world is not null) output.WriteLine($"mpi       {world.Size} ranks, {world.Description}; each computes 1/{world.Size} of every batch of {batch}");

            using var model = resume?.Model ?? new TrainedModel<float>(network, scaler, train.ClassNames,
                $"{architecture}; {loss}; {optimizer}; batch {batch}; L2 {l2}; data {train.Source}; seed {seed}");
            var clock = Stopwatch.StartNew();
            var progress = new EpochPrinter(output, epochs, quiet);
            var trainingOptions = new TrainingOptions
            {
                Loss = loss, Optimizer = optimizer, Epochs = epochs, BatchSize = batch, L2 = l2, Seed = seed, ValidationSplit = validation,
                Schedule = cosine ? LearningRateSchedule.Cosine(epochs) : LearningRateSchedule.Constant,
                EarlyStopping = patience > 0 ? new EarlyStopping { Patience = patience } : null,
                Communicator = world,
            };
            using TrainingState<float> state = resume?.State ?? new TrainingState<float>(trainingOptions, network.ParameterCount);
            if (resume is not null) output.WriteLine($"resume    {resumePath}: {state.Epoch} epochs done, continuing to {epochs}");
            var steps = new StepLosses();
            TrainingCallback[] extra = savePath is null ? [steps] : [steps, new SaveEachEpoch(savePath, model, state)];
            int fitted = validation > 0 ? train.Count - (int)Math.Round(train.Count * validation) : train.Count;
            History history = !quiet && output == Console.Out && LiveProgress.Available
                ? LiveProgress.Run(epochs, (fitted + batch - 1) / batch, batch,
                    live => Trainer.Fit(network, train, trainingOptions with { Callbacks = [live, .. extra] }, state))
                : Trainer.Fit(network, train, trainingOptions with { Callbacks = [progress, .. extra] }, state);
            string[]? replicas = world is null ? null : Replicas.CheckIdentical<float>(world, network.Parameters, "After training");
            if (!writer) return 0;
            if (replicas is not null)
            {
                output.WriteLine($"replicas  {replicas.Length} ranks hold identical weights (SHA-256 {replicas[0][..16]}…); all-reduce took {history.Communication.TotalSeconds:F2} s on rank 0");
            }
            if (savePath is not null)
            {
                Nn.Checkpoints.Checkpoint.Save(savePath, model, state);
                output.WriteLine($"checkpoint wrote {Path.GetFullPath(savePath)} (epoch {state.Epoch}; resume with --resume)");
            }
            double seconds = clock.Elapsed.TotalSeconds;
            Evaluation result = Trainer.Evaluate(network, test, loss);
            output.WriteLine($"trained   {history.Epochs.Count} epochs in {seconds:F2} s ({history.StopReason})");
            output.WriteLine(classification
                ? $"test      accuracy {result.Accuracy:P2}, loss {result.Loss:F4} on {test.Count} held-out samples"
                : $"test      loss {result.Loss:F6} on {test.Count} held-out samples");

            byte[] onnx = OnnxExporter.ToBytes(model);
            OnnxExporter.Export(model, outputPath);
            output.WriteLine($"onnx      wrote {Path.GetFullPath(outputPath)} ({onnx.Length:N0} bytes, opset {OnnxNames.Opset}, input '{OnnxNames.Input}' [batch, {network.InputSize}] raw features, output '{OnnxNames.Output}')");
            ParityReport parity = OnnxParity.Check<float>(model, onnx, rawTest, keep);
            output.WriteLine($"parity    {parity}");

            if (plotPath is not null)
            {
                Plots.LossCurvePlot.Save(plotPath, history.Epochs, $"{train.Source}: {architecture}");
                output.WriteLine($"plot      wrote {Path.GetFullPath(plotPath)} ({Plots.LossCurvePlot.Width}×{Plots.LossCurvePlot.Height} PNG)");
            }
            if (reportPath is not null)
            {
                var report = new
                {
                    checkpoint = savePath is null ? null : Path.GetFullPath(savePath),
                    data = train.Source, architecture = architecture.ToString(), parameters = network.ParameterCount, loss = loss.ToString(), optimizer = optimizer.ToString(),
                    epochs = history.Epochs, stopReason = history.StopReason.ToString(), seconds, testLoss = result.Loss, testAccuracy = result.Accuracy,
                    onnx = Path.GetFullPath(outputPath), parityMaxAbsoluteDifference = parity.MaxAbsoluteDifference, blas = network.Provider.ToString(),
                    batchLosses = steps.Losses,
                    distributed = world is null ? null : new { ranks = world.Size, library = world.Description, communicationSeconds = history.Communication.TotalSeconds, replicaWeightHashes = replicas },
                };
                Nn.Files.AtomicFile.Write(reportPath, JsonSerializer.SerializeToUtf8Bytes(report, new JsonSerializerOptions { WriteIndented = true }));
                output.WriteLine($"report    wrote {Path.GetFullPath(reportPath)}");
            }
            return parity.MaxAbsoluteDifference <= 1e-4 ? 0 : 1;
        }
    }

    /// <summary>Saves model and training state after every epoch, atomically, so a killed run loses at most one epoch.</summary>
    private sealed class SaveEachEpoch(string path, TrainedModel<float> model, TrainingState<float> state) : TrainingCallback
    {
        public override void OnEpochEnd(EpochRecord epoch) => Nn.Checkpoints.Checkpoint.Save(path, model, state);
    }

    /// <summary>A checkpoint to continue from: its model (network, scaler, class names) and training state.</summary>
    private sealed class Resume(TrainedModel<float> model, TrainingState<float> state, Loss loss)
    {
        public TrainedModel<float> Model { get; } = model;

        public TrainingState<float> State { get; } = state;

        public Loss Loss { get; } = loss;

        public static Resume Load(string path, MpiCommunicator? world)
        {
            // In a distributed run rank 0 reads the file and sends its bytes: the other machines need no copy.
            (TrainedModel<float> model, TrainingState<float>? state) = world is null
                ? Nn.Checkpoints.Checkpoint.Load<float>(path)
                : Nn.Checkpoints.Checkpoint.Load<float>(DistributedRun.BroadcastFile(world, path), path);
            if (state is null)
            {
                model.Dispose();
                throw new UsageException($"{path} holds a model but no training state (it was not written by nn train --save); train a new model or pass a checkpoint from --save.");
            }
            Loss loss = state.Loss switch
            {
                nameof(Hinge) => new Hinge(),
                nameof(MeanSquaredError) => new MeanSquaredError(),
                nameof(BinaryCrossEntropy) => new BinaryCrossEntropy(),
                _ => new CategoricalCrossEntropy(),
            };
            return new Resume(model, state, loss);
        }

        public void CheckFits(DataSet<float> train)
        {
            if (train.FeatureCount != Model.Network.InputSize || train.TargetCount != Model.Network.OutputSize)
            {
                throw new UsageException($"The checkpoint's network takes {Model.Network.InputSize} features and gives {Model.Network.OutputSize} outputs, " +
                    $"but {train.Source} has {train.FeatureCount} features and {train.TargetCount} targets; resume with the data it was trained on.");
            }
        }
    }

    /// <summary>Every step's cost, for the report (the loss curve at step resolution).</summary>
    private sealed class StepLosses : TrainingCallback
    {
        public List<double> Losses { get; } = new(1024);

        public override void OnBatchEnd(BatchRecord batch) => Losses.Add(batch.Loss);
    }

    private sealed class EpochPrinter(TextWriter output, int epochs, bool quiet) : TrainingCallback
    {
        public override void OnEpochEnd(EpochRecord e)
        {
            if (quiet && e.Epoch != epochs && e.Epoch % 10 != 0) return;
            string train = e.TrainingAccuracy is { } a ? $"acc {a,7:P2}" : "";
            string held = e.ValidationLoss is { } vl ? $"  val_loss {vl:F4}{(e.ValidationAccuracy is { } va ? $"  val_acc {va,7:P2}" : "")}" : "";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {e.Epoch,4}/{epochs}  loss {e.TrainingLoss:F4}  {train}{held}  {e.Elapsed.TotalMilliseconds,7:F1} ms"));
        }

        public override void OnWarning(string message) => output.WriteLine("warning   " + message);
    }
}
