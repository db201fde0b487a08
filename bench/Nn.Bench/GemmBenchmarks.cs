using BenchmarkDotNet.Attributes;
using Nn.Native;
using Nn.Native.Memory;

namespace Nn.Bench;

/// <summary>
/// sgemm per provider at the products of a 784-256-128-10 network with batch 128 (forward Z = X·Wᵀ,
/// backward dW = δᵀ·X and dX = δ·W) and at 2048³, the machine's practical peak.
/// </summary>
public class GemmBenchmarks : IFlopCount
{
    private AlignedBuffer<float> _a = null!, _b = null!, _c = null!;
    private BlasProvider _provider = null!;
    private (Transpose A, Transpose B, int M, int N, int K) _shape;

    [Params("mkl", "openblas", "managed")]
    public string Provider { get; set; } = "managed";

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    // Named as op m×n×k; "NT" = B transposed (forward), "TN" = A transposed (dW), "NN" (dX).
    [Params("fwd1 NT 128x256x784", "dW1 TN 256x784x128", "dX2 NN 128x256x128", "fwd2 NT 128x128x256", "dW2 TN 128x256x128", "fwd3 NT 128x10x128", "peak NN 2048x2048x2048")]
    public string Shape { get; set; } = "fwd1 NT 128x256x784";

    public double Flops
    {
        get
        {
            var s = Parse(Shape);
            return 2.0 * s.M * s.N * s.K;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _provider = Blas.Load(Blas.ParseKind(Provider)!.Value);
        _provider.Threads = Threads;
        _shape = Parse(Shape);
        int size = Math.Max(_shape.M, Math.Max(_shape.N, _shape.K));
        _a = Filled(size * size);
        _b = Filled(size * size);
        _c = new AlignedBuffer<float>(size * size);
    }

    [Benchmark]
    public void Sgemm()
    {
        var (ta, tb, m, n, k) = _shape;
        int lda = ta == Transpose.None ? k : m, ldb = tb == Transpose.None ? n : k;
        _provider.Gemm(ta, tb, m, n, k, 1f, _a.Span, lda, _b.Span, ldb, 0f, _c.Span, n);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }

    private static AlignedBuffer<float> Filled(int length)
    {
        var buffer = new AlignedBuffer<float>(length);
        var random = new Random(1);
        foreach (ref float value in buffer.Span) value = (float)(random.NextDouble() - 0.5);
        return buffer;
    }

    private static (Transpose A, Transpose B, int M, int N, int K) Parse(string shape)
    {
        string[] parts = shape.Split(' ');
        int[] dims = parts[2].Split('x').Select(int.Parse).ToArray();
        return (parts[1][0] == 'T' ? Transpose.Transposed : Transpose.None, parts[1][1] == 'T' ? Transpose.Transposed : Transpose.None, dims[0], dims[1], dims[2]);
    }
}
