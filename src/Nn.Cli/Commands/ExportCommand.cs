using Nn.Checkpoints;
using Nn.Export;

namespace Nn.Cli.Commands;

/// <summary>nn export: writes a checkpoint's model as ONNX and checks ONNX Runtime against the engine on random raw inputs.</summary>
internal static class ExportCommand
{
    public static readonly IReadOnlySet<string> Options = new HashSet<string> { "model", "onnx", "force", "seed" };

    public static int Run(Arguments args, TextWriter output)
    {
        string path = args.OptionalText("model") ?? throw new UsageException("export needs --model path/to/checkpoint.");
        string target = args.OptionalText("onnx") ?? throw new UsageException("export needs --onnx path/to/output.onnx.");
        int seed = args.Int("seed", 1, 0);
        ModelFiles.CheckWritable(target, args.Has("force"));
        if (!Checkpoint.HasMagic(path))
        {
            throw new UsageException($"{path} is not an Nn checkpoint (to convert a PyTorch ONNX file, use nn import --model FILE --output FILE).");
        }
        using TrainedModel<float> model = Checkpoint.LoadModel<float>(path);
        byte[] onnx = OnnxExporter.ToBytes(model);
        var random = new Random(seed);
        const int batch = 256;
        float[] inputs = Enumerable.Range(0, batch * model.Network.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        // Raw inputs around the scaler's range: undo the fitted transform on [-2, 2] so the check exercises the scaled region.
        for (int i = 0; i < inputs.Length; i++)
        {
            int f = i % model.Network.InputSize;
            double scale = model.Scaler.Scale[f];
            inputs[i] = (float)((inputs[i] - model.Scaler.Shift[f]) / (scale == 0 ? 1 : scale));
        }
        ParityReport parity = OnnxParity.Check<float>(model, onnx, inputs, batch);
        OnnxExporter.Export(model, target);
        output.WriteLine($"export    {path}: {model.Network.Architecture} -> {Path.GetFullPath(target)} ({onnx.Length:N0} bytes, opset {OnnxNames.Opset})");
        output.WriteLine($"parity    {parity}");
        return parity.MaxAbsoluteDifference <= 1e-4 ? 0 : 1;
    }
}
