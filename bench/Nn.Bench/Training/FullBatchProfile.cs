using System.Diagnostics;
using System.Globalization;
using Nn.Data;
using Nn.Native;
using Nn.Training;

namespace Nn.Bench.Training;

/// <summary>
/// fullbatch-profile [threads]: where one full-batch evaluation of softmax regression (60,000×784 → 10, the
/// Fashion-MNIST shape, random data) goes: the whole evaluation as L-BFGS calls it, the network's forward and
/// backward pass, and the two thin products alone with the engine's shapes and transposes. Stopwatch medians of 9.
/// </summary>
internal static class FullBatchProfile
{
    private const int Samples = 60_000, Features = 784, Classes = 10;

    public static int Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
        BlasProvider provider = Blas.Provider;
        provider.Threads = threads;
        var random = new Random(1);
        float[] pixels = new float[Samples * Features];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = random.NextSingle();
        int[] labels = Enumerable.Range(0, Samples).Select(_ => random.Next(Classes)).ToArray();
        using DataSet<float> data = DataSet.FromClassification<float>(pixels, Features, labels);
        var loss = new CategoricalCrossEntropy();
        using var network = new Network<float>(Nn.Models.Recipes.SoftmaxRegression(Features, Classes).Architecture,
            new NetworkOptions { Seed = 1, Provider = provider });
        var objective = new Objective<float>(network, data, loss, new FullBatchOptions { L2 = 1, MaxEvaluations = int.MaxValue });
        double[] x = objective.Start(), gradient = new double[x.Length];
        float[] logits = new float[Samples * Classes], probabilities = new float[Samples * Classes], logSumExp = new float[Samples], bias = new float[Classes];
        float[] delta = new float[Samples * Classes];
        float[] scores = new float[Samples * Classes], weights = network.Parameters[..(Features * Classes)].ToArray(), dW = new float[Features * Classes];

        Console.WriteLine($"# full-batch profile {DateTime.UtcNow:yyyy-MM-dd}: softmax regression {Samples}×{Features} → {Classes}, {provider.Name}, {threads} thread(s); OPENBLAS_CORETYPE={Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "unset"}");
        Console.WriteLine();
        Console.WriteLine("| part | ms |");
        Console.WriteLine("|---|---:|");
        var parts = new (string, Action)[]
        {
            ("one evaluation (J and ∇J, as L-BFGS calls it)", () => objective.Evaluate(x, gradient)),
            ("  network forward + loss + backward", () => network.ComputeShardGradients(data.Features, data.Targets, Samples, Samples, loss)),
            ("  network forward alone", () => network.Forward(data.Features, Samples)),
            ("  scores X·Wᵀ alone", () => provider.Gemm(Transpose.None, Transpose.Transposed, Samples, Classes, Features, 1f, data.Features, Features, weights, Features, 0f, scores, Classes)),
            ("  gradient δᵀ·X alone", () => provider.Gemm(Transpose.Transposed, Transpose.None, Classes, Features, Samples, 1f, scores, Classes, data.Features, Features, 0f, dW, Features)),
            ("  bias + softmax alone", () => Nn.Kernels.ActivationKernels.Forward(ActivationKind.Softmax, logits, bias, probabilities, logSumExp, Samples, Classes, 0f)),
            ("  cross-entropy and δ alone", () => Nn.Kernels.LossKernels.Compute(LossKind.CategoricalCrossEntropy, logits, probabilities, logSumExp, data.Targets, delta, Samples, Classes)),
            ("one evaluation again", () => objective.Evaluate(x, gradient)),
        };
        foreach ((string name, Action part) in parts)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(part) * 1e3:F2} |"));
        }
        return 0;
    }

    private static double Median(Action part)
    {
        for (int i = 0; i < 5; i++) part();   // tiered compilation reaches its optimised code
        var runs = new double[9];
        for (int r = 0; r < runs.Length; r++)
        {
            long start = Stopwatch.GetTimestamp();
            part();
            runs[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(runs);
        return runs[runs.Length / 2];
    }
}
