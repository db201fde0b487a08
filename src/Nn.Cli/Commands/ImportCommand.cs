using Nn.Export;

namespace Nn.Cli.Commands;

/// <summary>nn import: reads an ONNX MLP (e.g. from PyTorch), checks the engine against ONNX Runtime, and optionally re-exports it.</summary>
internal static class ImportCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "model", "output", "force", "seed" };

    public static int Run(Arguments args, TextWriter output)
    {
        string path = args.OptionalText("model") ?? throw new UsageException("import needs --model path/to/model.onnx.");
        string? target = args.OptionalText("output");
        if (target is not null) ModelFiles.CheckWritable(target, args.Has("force"));
        int seed = args.Int("seed", 1, 0);
        using TrainedModel<float> model = OnnxImporter.Load<float>(path);
        output.WriteLine($"imported  {path}: {model.Network.Architecture}, {model.Network.ParameterCount:N0} parameters, scaling {model.Scaler.Kind}");
        var random = new Random(seed);
        const int batch = 256;
        float[] inputs = Enumerable.Range(0, batch * model.Network.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        ParityReport parity = OnnxParity.Check<float>(model, File.ReadAllBytes(path), inputs, batch);
        output.WriteLine($"parity    {parity} (random inputs in [-1, 1])");
        if (target is not null)
        {
            OnnxExporter.Export(model, target);
            output.WriteLine($"onnx      wrote {Path.GetFullPath(target)}");
        }
        return parity.MaxAbsoluteDifference <= 1e-4 ? 0 : 1;
    }
}
