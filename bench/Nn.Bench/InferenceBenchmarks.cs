using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Nn.Data;
using Nn.Export;

namespace Nn.Bench;

/// <summary>
/// Inference of the same 784-256-128-10 model, same process: Nn's TrainedModel.Predict (raw inputs, scaling
/// included) against ONNX Runtime running Nn's ONNX export with preallocated OrtValues (its allocation-free path).
/// </summary>
public class InferenceBenchmarks : IFlopCount
{
    private TrainedModel<float> _model = null!;
    private InferenceSession _session = null!;
    private float[] _inputs = null!, _outputs = null!, _ortOutputs = null!;
    private OrtValue _ortInput = null!, _ortOutput = null!;
    private RunOptions _runOptions = null!;
    private readonly string[] _inputNames = [OnnxNames.Input], _outputNames = [OnnxNames.Output];

    [Params(1, 1024)]
    public int Batch { get; set; } = 1;

    public double Flops => 2.0 * Batch * (784 * 256 + 256 * 128 + 128 * 10);

    [GlobalSetup]
    public void Setup()
    {
        var architecture = new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());
        var network = new Network<float>(architecture, new NetworkOptions { Seed = 1 });
        var random = new Random(1);
        float[] fit = Enumerable.Range(0, 100 * 784).Select(_ => (float)random.Next(256)).ToArray();
        using DataSet<float> sample = DataSet.FromRegression<float>(fit, 784, new float[100], 1);
        _model = new TrainedModel<float>(network, FeatureScaler.Fit(sample, ScalingKind.MinMax));
        _session = new InferenceSession(OnnxExporter.ToBytes(_model));
        _inputs = Enumerable.Range(0, Batch * 784).Select(_ => (float)random.Next(256)).ToArray();
        _outputs = new float[Batch * 10];
        _ortOutputs = new float[Batch * 10];
        _ortInput = OrtValue.CreateTensorValueFromMemory(_inputs, [Batch, 784]);
        _ortOutput = OrtValue.CreateTensorValueFromMemory(_ortOutputs, [Batch, 10]);
        _runOptions = new RunOptions();
        Nn();
        OnnxRuntime();
    }

    [Benchmark(Baseline = true)]
    public float Nn()
    {
        _model.Predict(_inputs, _outputs, Batch);
        return _outputs[0];
    }

    [Benchmark]
    public float OnnxRuntime()
    {
        _session.Run(_runOptions, _inputNames, [_ortInput], _outputNames, [_ortOutput]);
        return _ortOutputs[0];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ortInput.Dispose();
        _ortOutput.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
        _model.Dispose();
    }
}
