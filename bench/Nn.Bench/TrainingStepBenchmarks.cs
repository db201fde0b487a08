using BenchmarkDotNet.Attributes;
using Nn.Native;

namespace Nn.Bench;

/// <summary>One forward + backward pass of 784-256-128-10 (ReLU, softmax + cross-entropy) at batch 128.</summary>
public class TrainingStepBenchmarks : IFlopCount
{
    private const int Batch = 128;
    private Network<float> _network = null!;
    private float[] _inputs = null!, _targets = null!;
    private readonly CategoricalCrossEntropy _loss = new();

    [Params("mkl", "openblas", "managed")]
    public string Provider { get; set; } = "managed";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    // Forward: 2·B·Σ in·out; backward: the same for dW plus dX for every layer but the first.
    public double Flops => 2.0 * Batch * (2 * (784 * 256 + 256 * 128 + 128 * 10) + (256 * 128 + 128 * 10));

    [GlobalSetup]
    public void Setup()
    {
        BlasProvider provider = Blas.Load(Blas.ParseKind(Provider)!.Value);
        provider.Threads = Threads;
        var architecture = new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(), new Dense(128, 10), new Softmax());
        _network = new Network<float>(architecture, new NetworkOptions { Seed = 1, Provider = provider });
        var random = new Random(1);
        _inputs = Enumerable.Range(0, Batch * 784).Select(_ => (float)random.NextDouble()).ToArray();
        _targets = new float[Batch * 10];
        for (int i = 0; i < Batch; i++) _targets[i * 10 + random.Next(10)] = 1;
    }

    [Benchmark]
    public float ForwardBackward() => _network.ComputeGradients(_inputs, _targets, Batch, _loss);

    [GlobalCleanup]
    public void Cleanup() => _network.Dispose();
}
