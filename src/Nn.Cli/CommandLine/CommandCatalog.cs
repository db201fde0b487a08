namespace Nn.Cli.CommandLine;

/// <summary>Every command and option of nn with its help text; the parser, the help and tab completion are built from it.</summary>
internal static class CommandCatalog
{
    private static readonly string[] Activations = ["relu", "tanh", "sigmoid", "leakyrelu", "identity"];
    private static readonly string[] Providers = ["mkl", "openblas", "managed", "/path/to/libcblas.so"];

    private static readonly OptionHelp Blas = new("blas", "BLAS provider for the matrix products (also NN_BLAS); default: the fastest present", null, Providers);
    private static readonly OptionHelp Threads = new("threads", "threads for the matrix products (also NN_THREADS)", "all cores");
    private static readonly OptionHelp Force = OptionHelp.Flag("force", "replace an existing output file even if Nn did not write it");
    private static readonly OptionHelp Seed = new("seed", "seed of the data split, shuffles and weights", "1");

    public static IReadOnlyList<CommandHelp> Commands { get; } =
    [
        new("train", "train a network (default: built-in digits), report test accuracy, export ONNX, check ONNX Runtime parity",
        [
            new("data", $"the data: {DataSources.Help}", "digits"),
            new("label", "CSV label column, by name or 0-based index", "the last column"),
            new("task", "what a CSV label is", "classification", ["classification", "regression"]),
            new("hidden", "hidden layer widths, comma-separated", "64,32 (fashion-mnist: 256,128)"),
            new("activation", "hidden-layer activation", "relu", Activations),
            new("loss", "cost to minimise (regression always uses mse)", "ce", ["ce", "hinge", "mse"]),
            new("optimizer", "update rule", "adam (fashion-mnist: adamw)", ["adam", "adamw", "sgd", "momentum", "nesterov", "rmsprop", "adagrad"]),
            new("weight-decay", "AdamW's decoupled weight decay λ (θ ← θ·(1 − η·λ) each step)", "0.01 (fashion-mnist: 0.05)"),
            new("schedule", "learning rate over the epochs: constant, or cosine annealing to 0 at the last epoch", "constant (fashion-mnist: cosine)", ["constant", "cosine"]),
            new("lr", "learning rate, above 0", "3e-3 (sgd/momentum/nesterov: 0.05; fashion-mnist: 1e-3)"),
            new("epochs", "passes over the training data (in total, when resuming)", "30 (fashion-mnist: 20)"),
            new("batch", "samples per step", "32 (fashion-mnist: 128)"),
            new("l2", "L2 coefficient λ of λ/(2m)·ΣW²", "1e-4 (fashion-mnist: 0)"),
            Seed,
            new("scaling", "per-feature scaling fitted on the training data", "minmax", ["minmax", "standard", "none"]),
            new("validation", "fraction held out for validation, in [0, 0.9]", "0.1"),
            new("patience", "early stopping: epochs without a better validation loss (0 = off)", "0"),
            new("output", "the ONNX file to write", "nn-model.onnx"),
            new("save", "checkpoint to write after every epoch (model + training state)"),
            new("resume", "checkpoint from --save to continue from (network, optimizer, batch, seed and L2 come from it)"),
            new("plot", "PNG of training and validation loss and accuracy per epoch"),
            new("report", "JSON report of the run"),
            Force, Blas, Threads,
            OptionHelp.Flag("quiet", "print every tenth epoch only"),
            OptionHelp.Flag("distributed", "data-parallel over the ranks of mpirun -np N (Open MPI); rank 0 prints and writes the files"),
        ]),
        new("predict", "predict a CSV of raw features with a checkpoint or ONNX model; CSV or JSON lines out",
        [
            new("model", "an Nn checkpoint or an ONNX file (Nn's or a PyTorch MLP)"),
            new("data", "raw features: a CSV (one sample per line, optional header) or an IDX images file (.gz accepted)"),
            new("output", "file to write", "standard output"),
            new("format", "output format", "csv (jsonl when --output ends in .jsonl)", ["csv", "jsonl"]),
            new("batch", "samples per batch", "1024"),
            Force, Blas, Threads,
        ]),
        new("eval", "score a checkpoint or ONNX classifier: accuracy, loss, per-class precision/recall/F1, confusion matrix",
        [
            new("model", "an Nn checkpoint or an ONNX file"),
            new("data", "a built-in data set (its held-out split) or a labelled CSV file (all of it)", "digits"),
            new("label", "CSV label column, by name or 0-based index", "the last column"),
            new("plot", "PNG of the confusion matrix"),
            Seed, Force, Blas, Threads,
        ]),
        new("export", "write a checkpoint's model as ONNX and check it against ONNX Runtime",
        [
            new("model", "an Nn checkpoint"),
            new("onnx", "the ONNX file to write"),
            new("seed", "seed of the random parity inputs", "1"),
            Force,
        ]),
        new("import", "read an ONNX MLP (e.g. from PyTorch) and check it against ONNX Runtime",
        [
            new("model", "the ONNX file"),
            new("output", "re-export it as an Nn ONNX file"),
            new("seed", "seed of the random parity inputs", "1"),
            Force,
        ]),
        new("serve", "serve a checkpoint or ONNX model over HTTP on 127.0.0.1 (POST /predict, GET /health, GET /model)",
        [
            new("model", "an Nn checkpoint or an ONNX file"),
            new("port", "TCP port, 0 for any free one", "8080"),
            OptionHelp.Flag("watch", "reload the model when its file is replaced"),
            new("max-rows", "most samples in one request", "10000"),
            new("max-body-mb", "largest request body in MiB", "16"),
            Blas, Threads,
        ]),
        new("gradcheck", "verify backpropagation on a small random network",
        [
            new("hidden", "hidden layer widths, comma-separated", "8,6"),
            new("activation", "hidden-layer activation", "tanh", Activations),
            new("loss", "cost", "ce", ["ce", "bce", "mse", "hinge"]),
            new("l2", "L2 coefficient", "0.01"),
            Seed, Blas, Threads,
        ]),
        new("info", "show the BLAS provider, its threads and the CPU", [Blas, Threads]),
    ];

    /// <summary>Option names per command, as the hand-checked parser needs them.</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> OptionNames { get; } =
        Commands.ToDictionary(c => c.Name, c => (IReadOnlySet<string>)c.Options.Select(o => o.Name).ToHashSet());

    /// <summary>Flags (options without a value) of any command, plus --verbose.</summary>
    public static IReadOnlySet<string> Flags { get; } =
        Commands.SelectMany(c => c.Options).Where(o => o.IsFlag).Select(o => o.Name).Append("verbose").ToHashSet();
}
