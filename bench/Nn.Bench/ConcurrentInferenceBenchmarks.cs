using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using Nn.Export;
using Nn.Serving;

namespace Nn.Bench;

/// <summary>
/// Eight callers at batch 1 sharing one model, as a web service's request threads would: one Nn <see cref="Predictor"/>
/// against one shared ONNX Runtime session (intra-op threads 1, the best setting for many concurrent callers; each
/// caller has its own pre-created OrtValues). Reported per prediction; the inverse is the throughput.
/// </summary>
public class ConcurrentInferenceBenchmarks
{
    private const int Callers = 8, CallsEach = 2000;
    private Predictor _predictor = null!;
    private TrainedModel<float> _model = null!;
    private InferenceSession _ort = null!;
    private float[][] _inputs = null!, _outputs = null!;
    private OrtValue[] _ortInputs = null!, _ortOutputs = null!;
    private RunOptions _runOptions = null!;
    private readonly string[] _inputNames = [OnnxNames.Input], _outputNames = [OnnxNames.Output];

    [Params(InferenceInputs.Pixels, InferenceInputs.Dense)]
    public InferenceInputs Inputs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = InferenceModel.Create();
        _predictor = Predictor.From(_model);
        _ort = InferenceModel.Session(OnnxExporter.ToBytes(_model), 1);
        _inputs = Enumerable.Range(0, Callers).Select(i => InferenceModel.Rows(1, Inputs, seed: 10 + i)).ToArray();
        _outputs = Enumerable.Range(0, Callers).Select(_ => new float[10]).ToArray();
        _ortInputs = _inputs.Select(x => OrtValue.CreateTensorValueFromMemory(x, [1, 784])).ToArray();
        _ortOutputs = _outputs.Select(y => OrtValue.CreateTensorValueFromMemory(y, [1, 10])).ToArray();
        _runOptions = new RunOptions();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Callers * CallsEach)]
    public void Nn() => Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, caller =>
    {
        for (int c = 0; c < CallsEach; c++) _predictor.Predict(_inputs[caller], _outputs[caller]);
    });

    [Benchmark(OperationsPerInvoke = Callers * CallsEach)]
    public void OnnxRuntimeShared() => Parallel.For(0, Callers, new ParallelOptions { MaxDegreeOfParallelism = Callers }, caller =>
    {
        OrtValue[] input = [_ortInputs[caller]], output = [_ortOutputs[caller]];
        for (int c = 0; c < CallsEach; c++) _ort.Run(_runOptions, _inputNames, input, _outputNames, output);
    });

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (OrtValue value in _ortInputs.Concat(_ortOutputs)) value.Dispose();
        _runOptions.Dispose();
        _ort.Dispose();
        _predictor.Dispose();
        _model.Dispose();
    }
}
