using System.Numerics;
using Nn.Data;

namespace Nn.Training;

/// <summary>Settings for the full-batch methods.</summary>
public sealed record FullBatchOptions
{
    /// <summary>Budget of objective-and-gradient evaluations (each is one forward and backward pass over all the data).</summary>
    public int MaxEvaluations { get; init; } = 200;

    /// <summary>Stop when the largest gradient component falls below this.</summary>
    public double GradientTolerance { get; init; } = 1e-6;

    /// <summary>L-BFGS memory: how many (s, y) pairs shape the inverse-Hessian estimate.</summary>
    public int History { get; init; } = 10;

    /// <summary>L2 coefficient λ of λ/(2m) Σ W² (m = number of samples).</summary>
    public double L2 { get; init; }

    /// <summary>Step size of the plain gradient-descent baseline.</summary>
    public double LearningRate { get; init; } = 0.1;
}

/// <summary>What a full-batch run did: the cost after each evaluation, and whether the gradient test was met.</summary>
public sealed record FullBatchResult(IReadOnlyList<double> Costs, int Iterations, bool Converged)
{
    /// <summary>Number of objective-and-gradient evaluations used.</summary>
    public int Evaluations => Costs.Count;

    /// <summary>The lowest cost seen (the network holds the corresponding parameters).</summary>
    public double FinalCost => Costs.Count == 0 ? double.NaN : Costs.Min();
}

/// <summary>
/// Full-batch optimisation for small problems, as the lectures name it: L-BFGS and nonlinear conjugate gradients
/// (Polak–Ribière with restarts), both with a line search satisfying the strong Wolfe conditions, plus plain
/// gradient descent as the baseline. The whole data set is one batch; work vectors are double.
/// </summary>
/// <remarks>Thread safety: a run claims the network; calls on it from another thread meanwhile throw InvalidOperationException.</remarks>
public static class FullBatch
{
    /// <summary>Bytes of inputs per block of rows in an evaluation (the benchmarks vary it; see Objective).</summary>
    internal static long BlockBytes { get; set; } = 256L << 20;

    /// <summary>Limited-memory BFGS (two-loop recursion, Wolfe line search with c₁ = 1e-4, c₂ = 0.9).</summary>
    public static FullBatchResult Lbfgs<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Run(network, data, loss, options, "FullBatch.Lbfgs", Lbfgs);
    }

    /// <summary>Nonlinear conjugate gradients, Polak–Ribière+ (β = max(0, PR)), restarted every n steps or when not a descent direction.</summary>
    public static FullBatchResult ConjugateGradient<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Run(network, data, loss, options, "FullBatch.ConjugateGradient", ConjugateGradient);
    }

    /// <summary>Plain full-batch gradient descent θ ← θ − η·∇J, the baseline the other two are measured against.</summary>
    public static FullBatchResult GradientDescent<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions? options = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        return Run(network, data, loss, options, "FullBatch.GradientDescent", GradientDescent);
    }

    // Validates, claims the network for the run (calls from other threads throw meanwhile), runs the method from the
    // network's parameters and leaves the best point found in it.
    private static FullBatchResult Run<T>(Network<T> network, DataSet<T> data, Loss loss, FullBatchOptions? options, string name,
        Func<IObjective, double[], FullBatchOptions, (int Iterations, bool Converged)> method) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var problem = new Objective<T>(network, data, loss, options ??= new FullBatchOptions());
        bool entered = network.EnterExclusive(name);
        try
        {
            (int iterations, bool converged) = method(problem, problem.Start(), options);
            return problem.Finish(iterations, converged);
        }
        finally
        {
            network.ExitExclusive(entered);
        }
    }

    // The methods themselves, over any objective: x is the start and ends at the last accepted point.

    internal static (int Iterations, bool Converged) Lbfgs(IObjective problem, double[] x, FullBatchOptions options)
    {
        int n = x.Length;
        var memory = new LbfgsMemory(options.History);
        double[] g = new double[n], direction = new double[n];
        double f = problem.Evaluate(x, g);
        int iterations = 0;
        while (!problem.Exhausted && Norm.Max(g) > options.GradientTolerance)
        {
            memory.Direction(g, direction);
            double[] xOld = (double[])x.Clone(), gOld = (double[])g.Clone();
            if (!WolfeLineSearch.Search(problem, x, ref f, g, direction, 1.0, 1e-4, 0.9))
            {
                break;
            }
            iterations++;
            double[] step = new double[n], change = new double[n];
            for (int i = 0; i < n; i++)
            {
                step[i] = x[i] - xOld[i];
                change[i] = g[i] - gOld[i];
            }
            memory.Push(step, change);
        }
        return (iterations, Norm.Max(g) <= options.GradientTolerance);
    }

    internal static (int Iterations, bool Converged) ConjugateGradient(IObjective problem, double[] x, FullBatchOptions options)
    {
        int n = x.Length;
        double[] g = new double[n];
        double f = problem.Evaluate(x, g);
        double[] direction = new double[n]; // no direction yet: the first pass restarts along −∇J
        double step = 1.0 / Math.Max(1.0, Norm.Max(g));
        int iterations = 0;
        while (!problem.Exhausted && Norm.Max(g) > options.GradientTolerance)
        {
            double slope = Norm.Dot(g, direction);
            if (slope >= 0)
            {
                for (int i = 0; i < n; i++) direction[i] = -g[i]; // restart: not a descent direction
                slope = -Norm.Dot(g, g);
            }
            double[] gOld = (double[])g.Clone();
            if (!WolfeLineSearch.Search(problem, x, ref f, g, direction, step, 1e-4, 0.1))
            {
                break;
            }
            iterations++;
            NextConjugateDirection(g, gOld, direction, iterations);
            step = NextInitialStep(slope, step, Norm.Dot(g, direction));
        }
        return (iterations, Norm.Max(g) <= options.GradientTolerance);
    }

    internal static (int Iterations, bool Converged) GradientDescent(IObjective problem, double[] x, FullBatchOptions options)
    {
        double[] g = new double[x.Length];
        problem.Evaluate(x, g);
        int iterations = 0;
        while (!problem.Exhausted && Norm.Max(g) > options.GradientTolerance)
        {
            Norm.Axpy(-options.LearningRate, g, x);
            problem.Evaluate(x, g);
            iterations++;
        }
        return (iterations, Norm.Max(g) <= options.GradientTolerance);
    }

    /// <summary>
    /// direction ← −g + β·direction with β = <see cref="PolakRibierePlus"/>, or −g after every n-th iteration (n = the
    /// number of parameters: on a quadratic the conjugacy is spent by then).
    /// </summary>
    internal static void NextConjugateDirection(double[] g, double[] gOld, double[] direction, int iteration)
    {
        double beta = iteration % g.Length == 0 ? 0 : PolakRibierePlus(g, gOld);
        for (int i = 0; i < g.Length; i++) direction[i] = -g[i] + beta * direction[i];
    }

    /// <summary>β = max(0, gᵀ(g − g₋) / g₋ᵀg₋): Polak–Ribière, reset to steepest descent when it turns negative.</summary>
    internal static double PolakRibierePlus(double[] g, double[] gOld) =>
        Math.Max(0, (Norm.Dot(g, g) - Norm.Dot(g, gOld)) / Norm.Dot(gOld, gOld));

    /// <summary>
    /// The next line search's first step: the one that repeats the last step's predicted decrease,
    /// α₁ = 2.02·α₋·slope₋ / slope capped at 1 (Nocedal &amp; Wright 3.60; both slopes are negative), or 1 when the new
    /// direction is not downhill.
    /// </summary>
    internal static double NextInitialStep(double previousSlope, double previousStep, double slope) =>
        slope < 0 ? Math.Min(1.0, 1.01 * 2 * previousStep * previousSlope / slope) : 1.0;
}
