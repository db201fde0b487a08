using Nn.Training;
using Xunit;

namespace Nn.Model.Tests.Training;

/// <summary>
/// The strong-Wolfe line search on one-dimensional functions whose every trial step was worked out by hand:
/// φ(α) = J(x + α·d) with x = 0 and d = 1, so the trial points are the trial steps.
/// </summary>
public sealed class LineSearchOracleTests
{
    /// <summary>A function of x with its gradient, recording every point it is evaluated at.</summary>
    internal sealed class Recorded(Func<double[], double[], double> function, int budget = 1000) : IObjective
    {
        /// <summary>The points evaluated since the last <see cref="Forget"/>.</summary>
        public List<double[]> Points { get; } = [];

        public int Evaluations { get; private set; }

        public bool Exhausted => Evaluations >= budget;

        public void Forget() => Points.Clear();

        public double Evaluate(double[] x, double[] gradient)
        {
            Evaluations++;
            Points.Add((double[])x.Clone());
            return function(x, gradient);
        }

        public double[] Steps => Points.Select(p => p[0]).ToArray();
    }

    // φ(α) = (α − m)², φ'(α) = 2(α − m).
    private static Recorded Parabola(double minimum, int budget = 1000) => new((x, g) =>
    {
        g[0] = 2 * (x[0] - minimum);
        return (x[0] - minimum) * (x[0] - minimum);
    }, budget);

    private static (bool Found, double X, double F, double G) Search(Recorded problem, double initialStep, double c2, double direction = 1)
    {
        double[] x = [0], g = new double[1];
        double f = problem.Evaluate(x, g);
        problem.Forget();
        bool found = WolfeLineSearch.Search(problem, x, ref f, g, [direction], initialStep, 1e-4, c2);
        return (found, x[0], f, g[0]);
    }

    [Fact]
    public void TheFirstStepIsAcceptedWhenItMeetsBothConditions()
    {
        // (α − 2.5)²: φ(0) = 6.25, φ'(0) = −5; at α = 1, φ = 2.25 ≤ 6.25 − 1e-4·5 and |φ'| = 3 ≤ 0.9·5.
        Recorded problem = Parabola(2.5);
        Assert.Equal((true, 1.0, 2.25, -3.0), Search(problem, 1, 0.9));
        Assert.Equal([1.0], problem.Steps);
    }

    [Fact]
    public void TheStepDoublesUntilTheCostRisesThenTheCubicFindsTheMinimum()
    {
        // With c₂ = 0.1, |φ'| must fall to 0.5: α = 1 (φ' = −3) and 2 (φ' = −1) are too steep, α = 4 costs 2.25 ≥ 0.25,
        // so [2, 4] brackets; the cubic through (2, 0.25, −1) and (4, 2.25, 3) has its minimum at exactly 2.5.
        Recorded problem = Parabola(2.5);
        Assert.Equal((true, 2.5, 0.0, 0.0), Search(problem, 1, 0.1));
        Assert.Equal([1.0, 2.0, 4.0, 2.5], problem.Steps);
    }

    [Fact]
    public void AnUphillSlopeWithALowerCostBracketsTheOtherWay()
    {
        // (α − 1.8)², c₂ = 0.1: α = 1 is too steep (φ' = −1.6), α = 2 costs less (0.04) but climbs (φ' = 0.4), so the
        // bracket is [2, 1] with 2 as its low end; the cubic through both points lands on 1.8.
        Recorded problem = Parabola(1.8);
        (bool found, double x, double f, double g) = Search(problem, 1, 0.1);
        Assert.True(found);
        Assert.Equal(1.8, x, 12);
        Assert.Equal(0, f, 12);
        Assert.Equal(0, g, 12);
        Assert.Equal(3, problem.Points.Count);
        Assert.Equal(1.8, problem.Steps[2], 12);
    }

    [Fact]
    public void ASufficientDecreaseFailureIsZoomedBackInside()
    {
        // (α − 0.3)²: φ(1) = 0.49 > φ(0) = 0.09, so [0, 1] brackets; the cubic through (0, 0.09, −0.6) and (1, 0.49, 1.4)
        // has its minimum at 0.3.
        Recorded problem = Parabola(0.3);
        (bool found, double x, double f, _) = Search(problem, 1, 0.9);
        Assert.True(found);
        Assert.Equal(0.3, x, 12);
        Assert.Equal(0, f, 12);
        Assert.Equal(new[] { 1.0, 0.3 }, problem.Steps, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void ANonFiniteCostIsTreatedAsTooFar()
    {
        // NaN beyond 1.5: α = 4 is NaN, the bisection tries 2 (NaN), then 1, where φ = 0.04 and |φ'| = 0.4 ≤ 0.9·2.4.
        Recorded problem = new((x, g) =>
        {
            g[0] = 2 * (x[0] - 1.2);
            return x[0] > 1.5 ? double.NaN : (x[0] - 1.2) * (x[0] - 1.2);
        });
        (bool found, double x, double f, double g) = Search(problem, 4, 0.9);
        Assert.True(found);
        Assert.Equal([4.0, 2.0, 1.0], problem.Steps);
        Assert.Equal(1.0, x);
        Assert.Equal(0.04, f, 12);
        Assert.Equal(-0.4, g, 12);
    }

    [Fact]
    public void AnUphillDirectionIsRefusedWithoutAnEvaluation()
    {
        Recorded problem = Parabola(2.5);
        (bool found, double x, double f, double g) = Search(problem, 1, 0.9, direction: -1);
        Assert.False(found);
        Assert.Empty(problem.Points);
        Assert.Equal((0.0, 6.25, -5.0), (x, f, g));
        Recorded flat = Parabola(0);
        Assert.False(Search(flat, 1, 0.9).Found); // φ'(0) = 0: not a descent direction either
    }

    [Fact]
    public void AnExhaustedBudgetKeepsTheBestDecrease()
    {
        // Two evaluations on (α − 2.5)² with c₂ = 0.1: α = 1 and 2, neither meets the curvature condition; 2 is kept.
        Recorded problem = Parabola(2.5, budget: 3);
        Assert.Equal((true, 2.0, 0.25, -1.0), Search(problem, 1, 0.1));
        Assert.Equal([1.0, 2.0], problem.Steps);
    }

    [Fact]
    public void NoDecreaseWithinTheBudgetLeavesTheStartAndReportsFailure()
    {
        // One evaluation at α = 10 on (α − 0.3)² costs more than the start, and no evaluation is left to zoom.
        Recorded problem = Parabola(0.3, budget: 2);
        Assert.Equal((false, 0.0, 0.09, -0.6), Search(problem, 10, 0.9));
        Assert.Equal([10.0], problem.Steps);
    }

    [Fact]
    public void EveryAcceptedStepOnAQuarticMeetsTheStrongWolfeConditions()
    {
        // φ(α) = (α − 3)⁴ − α: the cubic is no longer exact, so the search must iterate its zoom.
        foreach ((double initial, double c2) in new[] { (1.0, 0.1), (1.0, 0.9), (8.0, 0.1), (0.01, 0.1), (5.0, 0.01) })
        {
            Recorded problem = new((x, g) =>
            {
                double t = x[0] - 3;
                g[0] = 4 * t * t * t - 1;
                return t * t * t * t - x[0];
            });
            (bool found, double alpha, double f, double slope) = Search(problem, initial, c2);
            Assert.True(found, $"no step from {initial} with c2 {c2}");
            Assert.Equal(Math.Pow(alpha - 3, 4) - alpha, f, 12);
            Assert.True(f <= 81 + 1e-4 * alpha * -109, $"sufficient decrease fails at {alpha}");
            Assert.True(Math.Abs(slope) <= c2 * 109, $"curvature fails at {alpha} (slope {slope}, c2 {c2})");
            Assert.InRange(problem.Points.Count, 1, 30);
        }
    }

    [Fact]
    public void TheCubicStepIsTheInterpolantsMinimum()
    {
        // p(α) = α³ − 3α, p' = 3α² − 3: minimum at 1, from either end.
        Assert.Equal(1.0, WolfeLineSearch.Cubic(0, 0, -3, 2, 2, 9), 12);
        Assert.Equal(1.0, WolfeLineSearch.Cubic(2, 2, 9, 0, 0, -3), 12);
        // A parabola (α − 0.7)² on [0.2, 1.5]: the cubic through two of its points is the parabola itself.
        static (double F, double D) P(double a) => ((a - 0.7) * (a - 0.7), 2 * (a - 0.7));
        Assert.Equal(0.7, WolfeLineSearch.Cubic(0.2, P(0.2).F, P(0.2).D, 1.5, P(1.5).F, P(1.5).D), 12);
        Assert.Equal(0.7, WolfeLineSearch.Cubic(1.5, P(1.5).F, P(1.5).D, 0.2, P(0.2).F, P(0.2).D), 12);
    }

    [Fact]
    public void TheCubicStepFallsBackToTheMidpoint()
    {
        static (double F, double D) P(double a) => (a * a * a - 3 * a, 3 * a * a - 3);
        // Minimum at 1 lies within the outer tenth of [0.95, 3] (below 1.155): bisect.
        Assert.Equal(1.975, WolfeLineSearch.Cubic(0.95, P(0.95).F, P(0.95).D, 3, P(3).F, P(3).D), 12);
        Assert.Equal(1.975, WolfeLineSearch.Cubic(3, P(3).F, P(3).D, 0.95, P(0.95).F, P(0.95).D), 12);
        // And within the outer tenth at the top: minimum 1 on [−0.9, 1.05] (above 0.855).
        Assert.Equal(0.075, WolfeLineSearch.Cubic(-0.9, P(-0.9).F, P(-0.9).D, 1.05, P(1.05).F, P(1.05).D), 12);
        // Just inside the middle 80 %: minimum 1 on [0.85, 2.2] (bounds 0.985 and 2.065) is kept.
        Assert.Equal(1.0, WolfeLineSearch.Cubic(0.85, P(0.85).F, P(0.85).D, 2.2, P(2.2).F, P(2.2).D), 12);
        // No real minimum (d₁² < φ'(a)·φ'(b): d₁ = 0.7, product 1): bisect.
        Assert.Equal(0.5, WolfeLineSearch.Cubic(0, 0, -1, 1, -0.9, -1));
        // A non-finite end: bisect.
        Assert.Equal(2.0, WolfeLineSearch.Cubic(0, 1, -1, 4, double.NaN, double.NaN));
        Assert.Equal(2.0, WolfeLineSearch.Cubic(0, 1, -1, 4, double.PositiveInfinity, 1));
    }
}
