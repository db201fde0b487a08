using Nn.Training;
using Xunit;
using static Nn.Model.Tests.Training.LineSearchOracleTests;

namespace Nn.Model.Tests.Training;

/// <summary>
/// L-BFGS's two-loop recursion against the inverse-Hessian matrix it stands for, the conjugate-gradient β and first
/// step against their formulas by hand, and all three methods on quadratics J(x) = ½xᵀAx − bᵀx whose minimiser A⁻¹b
/// is known.
/// </summary>
public sealed class FullBatchOracleTests
{
    private static double[,] SymmetricPositiveDefinite(int n, int seed, double conditioning)
    {
        // A = Q·diag(1 … conditioning)·Qᵀ with Q from Gram–Schmidt on random vectors.
        var random = new Random(seed);
        var q = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < n; i++) q[i, j] = random.NextDouble() - 0.5;
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += q[i, j] * q[i, k];
                for (int i = 0; i < n; i++) q[i, j] -= dot * q[i, k];
            }
            double norm = 0;
            for (int i = 0; i < n; i++) norm += q[i, j] * q[i, j];
            for (int i = 0; i < n; i++) q[i, j] /= Math.Sqrt(norm);
        }
        var a = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            double eigenvalue = Math.Pow(conditioning, n == 1 ? 0 : (double)k / (n - 1));
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    a[i, j] += eigenvalue * q[i, k] * q[j, k];
        }
        return a;
    }

    private static double[] Times(double[,] a, double[] x)
    {
        int n = x.Length;
        var y = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                y[i] += a[i, j] * x[j];
        return y;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();

    /// <summary>
    /// J(x) = ½xᵀAx − bᵀx, written as ½(x − c)ᵀA(x − c) − ½cᵀAc with c = A⁻¹b and the constant dropped, so that J
    /// falls to 0 and its last decreases are not lost to rounding; ∇J = A(x − c).
    /// </summary>
    private static Recorded Quadratic(double[,] a, double[] b, int budget)
    {
        double[] c = Solve(a, b);
        return new((x, g) =>
        {
            double[] offset = x.Select((v, i) => v - c[i]).ToArray(), product = Times(a, offset);
            Array.Copy(product, g, g.Length);
            return 0.5 * Dot(offset, product);
        }, budget);
    }

    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int k = 0; k < n; k++)
        {
            for (int i = k + 1; i < n; i++)
            {
                double factor = m[i, k] / m[k, k];
                for (int j = k; j < n; j++) m[i, j] -= factor * m[k, j];
                x[i] -= factor * x[k];
            }
        }
        for (int i = n - 1; i >= 0; i--)
        {
            for (int j = i + 1; j < n; j++) x[i] -= m[i, j] * x[j];
            x[i] /= m[i, i];
        }
        return x;
    }

    /// <summary>−H·g with H built as a matrix: H₀ = γI, then H ← (I − ρsyᵀ)·H·(I − ρysᵀ) + ρssᵀ per pair, oldest first.</summary>
    private static double[] ExplicitDirection(IReadOnlyList<(double[] S, double[] Y)> pairs, double[] g)
    {
        int n = g.Length;
        var h = new double[n, n];
        double gamma = pairs.Count == 0 ? 1 / Math.Max(1, g.Max(Math.Abs)) : Dot(pairs[^1].S, pairs[^1].Y) / Dot(pairs[^1].Y, pairs[^1].Y);
        for (int i = 0; i < n; i++) h[i, i] = gamma;
        foreach ((double[] s, double[] y) in pairs)
        {
            double rho = 1 / Dot(y, s);
            var v = new double[n, n]; // V = I − ρ·y·sᵀ, and H ← Vᵀ·H·V + ρ·s·sᵀ
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    v[i, j] = (i == j ? 1 : 0) - rho * y[i] * s[j];
            var next = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double sum = rho * s[i] * s[j];
                    for (int k = 0; k < n; k++)
                        for (int l = 0; l < n; l++)
                            sum += v[k, i] * h[k, l] * v[l, j];
                    next[i, j] = sum;
                }
            h = next;
        }
        return Times(h, g).Select(value => -value).ToArray();
    }

    [Fact]
    public void TheTwoLoopRecursionAppliesTheBfgsInverseHessian()
    {
        const int n = 5;
        double[,] a = SymmetricPositiveDefinite(n, seed: 4, conditioning: 30);
        var random = new Random(9);
        double[] Vector() => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var memory = new LbfgsMemory(capacity: 3);
        var kept = new List<(double[] S, double[] Y)>();
        double[] g = Vector(), direction = new double[n];

        memory.Direction(g, direction);
        AssertClose(ExplicitDirection(kept, g), direction);
        for (int pair = 0; pair < 5; pair++)
        {
            double[] s = Vector(), y = Times(a, s);
            Assert.True(memory.Push(s, y));
            kept.Add((s, y));
            if (kept.Count > 3) kept.RemoveAt(0); // the oldest pair goes once three are held
            Assert.Equal(kept.Count, memory.Count);
            memory.Direction(g, direction);
            AssertClose(ExplicitDirection(kept, g), direction);
        }
        // The secant condition: the newest pair is reproduced exactly, H·y = s.
        (double[] lastS, double[] lastY) = kept[^1];
        memory.Direction(lastY, direction);
        AssertClose(lastS.Select(v => -v).ToArray(), direction);
    }

    [Fact]
    public void PairsWithoutPositiveCurvatureAreNotKept()
    {
        var memory = new LbfgsMemory(2);
        Assert.False(memory.Push([1, 0], [-1, 0]));   // sᵀy < 0
        Assert.False(memory.Push([1, 0], [0, 1]));    // sᵀy = 0
        Assert.False(memory.Push([1e-13, 0], [1, 0])); // sᵀy = 10⁻¹³ ≤ 10⁻¹²·yᵀy
        Assert.False(memory.Push([1e-12, 0], [1, 0])); // sᵀy = 10⁻¹²·yᵀy exactly
        Assert.Equal(0, memory.Count);
        Assert.True(memory.Push([1e-11, 0], [1, 0]));
        Assert.Equal(1, memory.Count);
    }

    [Fact]
    public void WithoutPairsTheFirstDirectionMovesNoComponentByMoreThanOne()
    {
        var memory = new LbfgsMemory(4);
        double[] direction = new double[2];
        memory.Direction([4, -2], direction);
        Assert.Equal([-1.0, 0.5], direction);
        memory.Direction([0.5, -0.25], direction);
        Assert.Equal([-0.5, 0.25], direction);
    }

    [Fact]
    public void PolakRibierePlusByHand()
    {
        // g = (1, 2), g₋ = (2, 0): (gᵀg − gᵀg₋) / g₋ᵀg₋ = (5 − 2) / 4.
        Assert.Equal(0.75, FullBatch.PolakRibierePlus([1, 2], [2, 0]));
        Assert.Equal(0.25, FullBatch.PolakRibierePlus([1, 2], [0, 2]), 15); // (5 − 4) / 4
        Assert.Equal(0.0, FullBatch.PolakRibierePlus([1, 0], [2, 0])); // (1 − 2) / 4 < 0: steepest descent
    }

    [Fact]
    public void TheConjugateDirectionRestartsEveryNIterations()
    {
        // n = 2, g = (1, 2), g₋ = (2, 0), previous direction (−2, 0): β = 0.75, so −g + β·d = (−2.5, −2); after
        // iterations 2, 4, … the direction is −g.
        foreach ((int iteration, double[] expected) in new[] { (1, new[] { -2.5, -2.0 }), (2, [-1.0, -2.0]), (3, [-2.5, -2.0]), (4, [-1.0, -2.0]) })
        {
            double[] direction = [-2, 0];
            FullBatch.NextConjugateDirection([1, 2], [2, 0], direction, iteration);
            Assert.Equal(expected, direction);
        }
    }

    [Fact]
    public void TheNextFirstStepRepeatsThePredictedDecrease()
    {
        Assert.Equal(1.01 * 2 * 2 * 0.5 / 4, FullBatch.NextInitialStep(-2, 0.5, -4), 15);
        Assert.Equal(1.01 * 2 * 2 * 0.1 / 8, FullBatch.NextInitialStep(-2, 0.1, -8), 15);
        Assert.Equal(1.0, FullBatch.NextInitialStep(-2, 1, -1));  // 4.04 capped at 1
        Assert.Equal(1.0, FullBatch.NextInitialStep(-2, 0.01, 0)); // not downhill: start again at 1
        Assert.Equal(1.0, FullBatch.NextInitialStep(-2, 0.01, 3));
    }

    public static TheoryData<string, int, double> Methods() => new()
    {
        { "L-BFGS", 2, 10 }, { "L-BFGS", 6, 1000 }, { "CG", 2, 10 }, { "CG", 6, 1000 },
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public void QuadraticsAreSolvedToTheirKnownMinimiser(string method, int n, double conditioning)
    {
        double[,] a = SymmetricPositiveDefinite(n, seed: n, conditioning);
        double[] b = Enumerable.Range(0, n).Select(i => i - n / 2.0).ToArray();
        double[] expected = Solve(a, b);
        Recorded problem = Quadratic(a, b, budget: 200);
        var options = new FullBatchOptions { GradientTolerance = 1e-10, History = 10 };
        double[] x = new double[n];
        (int iterations, bool converged) = RunMethod(method, problem, x, options);
        Assert.True(converged, $"{method} not converged after {problem.Points.Count} evaluations");
        AssertClose(expected, x, 1e-8);
        Assert.InRange(iterations, 1, problem.Points.Count - 1);
        // Steepest descent with the same line search would need far more on the ill-conditioned ones; these need few.
        Assert.InRange(problem.Points.Count, 2, conditioning > 100 ? 80 : 20);
    }

    [Fact]
    public void ALongerLbfgsMemoryNeedsFewerIterations()
    {
        // The accepted steps are inexact (c₂ = 0.9), so there is no finite termination, but more pairs make a
        // better inverse-Hessian estimate: 23 iterations with memory 4 against 78 with memory 1 here.
        const int n = 4;
        double[,] a = SymmetricPositiveDefinite(n, seed: 7, conditioning: 50);
        double[] b = [1, -2, 3, -4];
        Recorded problem = Quadratic(a, b, budget: 500);
        double[] x = new double[n];
        (int iterations, bool converged) = FullBatch.Lbfgs(problem, x, new FullBatchOptions { GradientTolerance = 1e-9, History = n });
        Assert.True(converged);
        Assert.InRange(iterations, n, 30);
        AssertClose(Solve(a, b), x, 1e-8);
        // A memory of one pair has less to go on.
        Recorded forgetful = Quadratic(a, b, budget: 500);
        x = new double[n];
        (int oneIterations, _) = FullBatch.Lbfgs(forgetful, x, new FullBatchOptions { GradientTolerance = 1e-9, History = 1 });
        Assert.True(oneIterations > 2 * iterations, $"memory 1 took {oneIterations} iterations, memory {n} {iterations}");
    }

    [Fact]
    public void ConjugateGradientsBeatSteepestDescentWithTheSameSearch()
    {
        // Without β (every step along −∇J) the same Wolfe search zigzags on an ill-conditioned bowl.
        const int n = 3;
        double[,] a = SymmetricPositiveDefinite(n, seed: 5, conditioning: 200);
        double[] b = [1, 1, 1];
        Recorded cg = Quadratic(a, b, budget: 400);
        double[] x = new double[n];
        (int cgIterations, bool converged) = FullBatch.ConjugateGradient(cg, x, new FullBatchOptions { GradientTolerance = 1e-9 });
        Assert.True(converged);
        Recorded descent = Quadratic(a, b, budget: 400);
        double[] y = new double[n];
        (_, bool descentConverged) = FullBatch.GradientDescent(descent, y, new FullBatchOptions { GradientTolerance = 1e-9, LearningRate = 1.0 / 200 });
        Assert.False(descentConverged);
        Assert.True(cgIterations < 40, $"CG took {cgIterations} iterations");
    }

    [Fact]
    public void GradientDescentTakesExactlyTheStepsOfItsRule()
    {
        // J = ½·2x², x₀ = 1, η = 0.25: x ← x − 0.25·2x = 0.5x, so the iterates are 1, 0.5, 0.25, 0.125.
        Recorded problem = Quadratic(new double[,] { { 2 } }, [0], budget: 4);
        double[] x = [1];
        (int iterations, bool converged) = FullBatch.GradientDescent(problem, x, new FullBatchOptions { LearningRate = 0.25, GradientTolerance = 0 });
        Assert.Equal([1.0, 0.5, 0.25, 0.125], problem.Steps);
        Assert.Equal((3, false), (iterations, converged));
        Assert.Equal(0.125, x[0]);
        // Stopped by the tolerance: |∇J| = 2·0.125 = 0.25 after three steps, and a gradient equal to the tolerance meets it.
        Recorded stopped = Quadratic(new double[,] { { 2 } }, [0], budget: 100);
        x = [1];
        Assert.Equal((3, true), FullBatch.GradientDescent(stopped, x, new FullBatchOptions { LearningRate = 0.25, GradientTolerance = 0.25 }));
        Assert.Equal(4, stopped.Points.Count);
    }

    [Fact]
    public void TheFirstTrialMovesTheLargestComponentByOne()
    {
        // J = ½‖x‖², x₀ = (5, 1), ∇J = (5, 1): before any curvature is known both methods try x₀ − ∇J / 5.
        foreach (string method in new[] { "L-BFGS", "CG" })
        {
            Recorded problem = Quadratic(new double[,] { { 1, 0 }, { 0, 1 } }, [0, 0], budget: 2);
            double[] x = [5, 1];
            _ = RunMethod(method, problem, x, new FullBatchOptions());
            Assert.Equal([4.0, 0.8], problem.Points[1]);
        }
    }

    [Fact]
    public void AMinimumReachedExactlyConvergesWithToleranceZero()
    {
        // J = x² from 0.5: the first trial, x = −0.5, costs as much as the start; the cubic through both points is J
        // itself and lands on 0, where ∇J = 0 exactly. Gradient descent with η = 0.5 gets there in one step.
        foreach (string method in new[] { "L-BFGS", "CG", "GD" })
        {
            Recorded problem = Quadratic(new double[,] { { 2 } }, [0], budget: 50);
            double[] x = [0.5];
            var options = new FullBatchOptions { GradientTolerance = 0, LearningRate = 0.5 };
            (int iterations, bool converged) = RunMethod(method, problem, x, options);
            Assert.Equal((1, true, 0.0), (iterations, converged, x[0]));
            Assert.Equal(method == "GD" ? [0.5, 0.0] : new[] { 0.5, -0.5, 0.0 }, problem.Steps);
        }
    }

    [Fact]
    public void AFailedLineSearchEndsTheRun()
    {
        // A gradient that lies (−1 everywhere on J = (x + 1)²): the first search fails, and the methods stop there
        // instead of spending the budget on the same failing search.
        foreach (string method in new[] { "L-BFGS", "CG" })
        {
            Recorded problem = new((x, g) =>
            {
                g[0] = -1;
                return (x[0] + 1) * (x[0] + 1);
            }, budget: 500);
            double[] x = [0];
            (int iterations, bool converged) = method == "CG"
                ? FullBatch.ConjugateGradient(problem, x, new FullBatchOptions())
                : FullBatch.Lbfgs(problem, x, new FullBatchOptions());
            Assert.Equal((0, false, 0.0), (iterations, converged, x[0]));
            Assert.Equal(1 + LineSearchOracleTests.LyingGradientTrials, problem.Evaluations);
        }
    }

    [Fact]
    public void AStartThatMeetsTheToleranceIsLeftAtOnce()
    {
        foreach (string method in new[] { "L-BFGS", "CG", "GD" })
        {
            Recorded problem = Quadratic(new double[,] { { 1, 0 }, { 0, 1 } }, [1e-9, 0], budget: 100);
            double[] x = [0, 0];
            var options = new FullBatchOptions { GradientTolerance = 1e-8 };
            // And at the minimum itself, with a tolerance of 0.
            Recorded exact = Quadratic(new double[,] { { 1, 0 }, { 0, 1 } }, [0, 0], budget: 100);
            double[] y = [0, 0];
            var zero = new FullBatchOptions { GradientTolerance = 0 };
            Assert.Equal((0, true), RunMethod(method, exact, y, zero));
            Assert.Single(exact.Points);
            // And where the gradient equals the tolerance: J = x² at 0.125, ∇J = 0.25.
            Recorded boundary = Quadratic(new double[,] { { 2 } }, [0], budget: 100);
            double[] z = [0.125];
            var quarter = new FullBatchOptions { GradientTolerance = 0.25 };
            Assert.Equal((0, true), RunMethod(method, boundary, z, quarter));
            Assert.Single(boundary.Points);
            (int iterations, bool converged) = RunMethod(method, problem, x, options);
            Assert.Equal((0, true), (iterations, converged));
            Assert.Single(problem.Points);
        }
    }

    /// <summary>Runs "L-BFGS", "CG" or (anything else) gradient descent from x.</summary>
    private static (int Iterations, bool Converged) RunMethod(string method, Recorded problem, double[] x, FullBatchOptions options) => method switch
    {
        "L-BFGS" => FullBatch.Lbfgs(problem, x, options),
        "CG" => FullBatch.ConjugateGradient(problem, x, options),
        _ => FullBatch.GradientDescent(problem, x, options),
    };

    private static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-10)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }
}
