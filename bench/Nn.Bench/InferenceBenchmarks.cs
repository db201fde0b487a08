using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Nn.Data;
using Nn.Export;
using Nn.Serving;

namespace Nn.Bench;

/// <summary>What the inference benchmarks feed both engines.</summary>
public enum InferenceInputs
{
    /// <summary>Fashion-MNIST-like rows: pixel values 0–255 with half of them exactly 0 (blank background).</summary>
    Pixels,

    /// <summary>No zero inputs at all: the single-row kernel cannot skip any input weights.</summary>
    Dense,
}

/// <summary>
/// Inference of one 784-256-128-10 ReLU/softmax model with a min-max scaler, same process, same inputs:
/// Nn's thread-safe <see cref="Predictor"/> against ONNX Runtime running Nn's ONNX export of the same model.
/// ONNX Runtime is set up as a performance-minded user would: graph optimisations on (ORT_ENABLE_ALL), sequential
/// execution, intra-op threads 1 and 2 (both reported; 2 = the cores), OrtValues over pinned buffers created once and reused.
/// </summary>
public class InferenceBenchmarks : IFlopCount
{
    private Predictor _predictor = null!;
    private TrainedModel<float> _model = null!;
    private InferenceSession _ort1 = null!, _ort2 = null!;
    private float[] _inputs = null!, _outputs = null!, _ortOutputs = null!;
    private OrtValue _ortInput = null!, _ortOutput = null!;
    private RunOptions _runOptions = null!;
    private readonly string[] _inputNames = [OnnxNames.Input], _outputNames = [OnnxNames.Output];

    [Params(1, 1024)]
    public int Batch { get; set; } = 1;

    [Params(InferenceInputs.Pixels, InferenceInputs.Dense)]
    public InferenceInputs Inputs { get; set; }

    public double Flops => 2.0 * Batch * (784 * 256 + 256 * 128 + 128 * 10);

    [GlobalSetup]
    public void Setup()
    {
        _model = InferenceModel.Create();
        _predictor = Predictor.From(_model);
        byte[] onnx = OnnxExporter.ToBytes(_model);
        _ort1 = InferenceModel.Session(onnx, 1);
        _ort2 = InferenceModel.Session(onnx, 2);
        _inputs = InferenceModel.Rows(Batch, Inputs, seed: 2);
        _outputs = new float[Batch * 10];
        _ortOutputs = new float[Batch * 10];
        _ortInput = OrtValue.CreateTensorValueFromMemory(_inputs, [Batch, 784]);
        _ortOutput = OrtValue.CreateTensorValueFromMemory(_ortOutputs, [Batch, 10]);
        _runOptions = new RunOptions();
        Nn();
        OnnxRuntime1Thread();
        double worst = 0;
        for (int i = 0; i < _outputs.Length; i++) worst = Math.Max(worst, Math.Abs(_outputs[i] - _ortOutputs[i]));
        if (worst > 1e-4) throw new InvalidOperationException($"Nn and ONNX Runtime disagree by {worst}.");
    }

    [Benchmark(Baseline = true)]
    public float Nn()
    {
        if (Batch == 1) _predictor.Predict(_inputs, _outputs);
        else _predictor.Predict(_inputs, _outputs, Batch);
        return _outputs[0];
    }

    [Benchmark]
    public float OnnxRuntime1Thread()
    {
        _ort1.Run(_runOptions, _inputNames, [_ortInput], _outputNames, [_ortOutput]);
        return _ortOutputs[0];
    }

    [Benchmark]
    public float OnnxRuntime2Threads()
    {
        _ort2.Run(_runOptions, _inputNames, [_ortInput], _outputNames, [_ortOutput]);
        return _ortOutputs[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInput.Dispose();
        _ortOutput.Dispose();
        _runOptions.Dispose();
        _ort1.Dispose();
        _ort2.Dispose();
        _predictor.Dispose();
        _model.Dispose();
    }
}

/// <summary>The benchmarks' shared model, inputs and ONNX Runtime session settings.</summary>
internal static class InferenceModel
{
    public static TrainedModel<float> Create()
    {
        var architecture = new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());
        var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
        float[] fit = Rows(100, InferenceInputs.Dense, seed: 1);
        using DataSet<float> sample = DataSet.FromRegression<float>(fit, 784, new float[100], 1);
        return new TrainedModel<float>(network, FeatureScaler.Fit(sample, ScalingKind.MinMax));
    }

    public static float[] Rows(int rows, InferenceInputs kind, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * 784)
            .Select(_ => kind == InferenceInputs.Pixels && random.Next(2) == 0 ? 0f : random.Next(1, 256))
            .ToArray();
    }

    public static InferenceSession Session(byte[] onnx, int intraOpThreads)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
        };
        return new InferenceSession(onnx, options);
    }
}
