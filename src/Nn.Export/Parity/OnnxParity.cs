using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nn.Export;

/// <summary>How closely ONNX Runtime's inference on an exported model matches the engine on the same raw inputs.</summary>
public sealed record ParityReport(int Samples, double MaxAbsoluteDifference, string Runtime)
{
    /// <inheritdoc />
    public override string ToString() => $"ONNX Runtime parity on {Samples} samples: max |engine − onnxruntime| = {MaxAbsoluteDifference:E2} ({Runtime})";
}

/// <summary>Runs an ONNX model in ONNX Runtime next to the engine and reports the largest difference.</summary>
/// <remarks>Thread safety: stateless; each call makes its own session.</remarks>
public static class OnnxParity
{
    /// <summary>Feeds <paramref name="rawInputs"/> (batch × features, unscaled) to both and compares the outputs.</summary>
    public static ParityReport Check<T>(TrainedModel<T> model, byte[] onnx, ReadOnlySpan<T> rawInputs, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        int outputs = model.Network.OutputSize;
        var engine = new T[batch * outputs];
        model.Predict(rawInputs, engine, batch);
        float[] runtime = Run(onnx, rawInputs, batch, model.Network.InputSize);
        double worst = 0;
        for (int i = 0; i < engine.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(double.CreateChecked(engine[i]) - runtime[i]));
        }
        return new ParityReport(batch, worst, $"onnxruntime {OrtEnv.Instance().GetVersionString()}");
    }

    /// <summary>ONNX Runtime's outputs for raw inputs (batch × features).</summary>
    public static float[] Run<T>(byte[] onnx, ReadOnlySpan<T> rawInputs, int batch, int features) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var input = new float[batch * features];
        for (int i = 0; i < input.Length; i++) input[i] = float.CreateChecked(rawInputs[i]);
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR };
        using var session = new InferenceSession(onnx, options);
        string inputName = session.InputMetadata.Keys.First();
        var tensor = new DenseTensor<float>(input, InputShape(session.InputMetadata[inputName].Dimensions, batch, features));
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = session.Run([NamedOnnxValue.CreateFromTensor(inputName, tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    /// <summary>
    /// The model's own input shape with the batch filled in: a PyTorch MLP exported after Flatten takes e.g. [batch, 8, 8],
    /// and ONNX Runtime refuses a [batch, 64] tensor for it. Dimensions after the first must multiply to the feature count.
    /// </summary>
    /// <exception cref="OnnxImportException">The declared shape cannot hold the features.</exception>
    internal static int[] InputShape(int[] declared, int batch, int features)
    {
        if (declared.Length < 2)
        {
            return [batch, features];
        }
        int[] shape = [batch, .. declared[1..]];
        int unknown = Array.FindIndex(shape, 1, d => d <= 0);
        long known = shape.Skip(1).Where(d => d > 0).Aggregate(1L, (p, d) => p * d);
        if (unknown > 0 && shape.Skip(1).Count(d => d <= 0) == 1 && known > 0 && features % known == 0)
        {
            shape[unknown] = (int)(features / known);
        }
        if (shape.Skip(1).Any(d => d <= 0) || shape.Skip(1).Aggregate(1L, (p, d) => p * d) != features)
        {
            throw new OnnxImportException($"The model's input shape [{string.Join(", ", declared)}] cannot hold {features} features per sample.");
        }
        return shape;
    }
}
