namespace Nn.Export;

/// <summary>The fixed facts of Nn's ONNX files: versions, tensor names and metadata keys.</summary>
public static class OnnxNames
{
    /// <summary>ONNX IR version written (7, accepted by ONNX Runtime and by onnx 1.12's checker).</summary>
    public const long IrVersion = 7;

    /// <summary>Default-domain operator set written.</summary>
    public const long Opset = 13;

    /// <summary>The graph input: float32 [batch, features] of raw (unscaled) features.</summary>
    public const string Input = "input";

    /// <summary>The graph output: float32 [batch, outputs] — probabilities for softmax/sigmoid outputs, else the activations.</summary>
    public const string Output = "output";

    /// <summary>The symbolic batch dimension.</summary>
    public const string BatchDimension = "batch";

    /// <summary>Metadata key: the architecture, e.g. "64-32-10 (Relu, Softmax)".</summary>
    public const string ArchitectureKey = "nn.architecture";

    /// <summary>Metadata key: class names as a JSON array.</summary>
    public const string ClassesKey = "nn.classes";

    /// <summary>Metadata key: the preprocessing kind (None, MinMax, Standard).</summary>
    public const string ScalingKey = "nn.scaling";

    /// <summary>Metadata key: how the model was trained.</summary>
    public const string TrainingKey = "nn.training";

    /// <summary>Metadata key: LeakyRelu slopes and other per-layer facts, as the layer list.</summary>
    public const string LayersKey = "nn.layers";
}
