namespace Nn.Training;

/// <summary>
/// A line search along d that returns a step satisfying the strong Wolfe conditions
/// φ(α) ≤ φ(0) + c₁·α·φ'(0) and |φ'(α)| ≤ c₂·|φ'(0)| (Nocedal &amp; Wright, algorithms 3.5 and 3.6,
/// with cubic interpolation in the zoom phase, safeguarded by bisection).
/// </summary>
internal static class WolfeLineSearch
{
    /// <summary>On success x, f and g hold the accepted point; on failure they hold the best point tried.</summary>
    public static bool Search(IObjective problem, double[] x, ref double f, double[] g, double[] d,
        double initialStep, double c1, double c2)
    {
        int n = x.Length;
        double[] origin = (double[])x.Clone();
        double f0 = f, slope0 = Norm.Dot(g, d);
        if (!(slope0 < 0))
        {
            return false;
        }
        double[] trial = new double[n], trialGradient = new double[n];
        double previousStep = 0, previousCost = f0, previousSlope = slope0;
        double step = initialStep;
        double bestCost = f0;
        double[] bestX = origin, bestG = (double[])g.Clone();

        (double Cost, double Slope) At(double alpha)
        {
            for (int i = 0; i < n; i++) trial[i] = origin[i] + alpha * d[i];
            double cost = problem.Evaluate(trial, trialGradient);
            if (cost < bestCost)
            {
                bestCost = cost;
                bestX = (double[])trial.Clone();
                bestG = (double[])trialGradient.Clone();
            }
            return (cost, Norm.Dot(trialGradient, d));
        }

        bool Accept(double cost)
        {
            Array.Copy(trial, x, n);
            Array.Copy(trialGradient, g, n);
            return true;
        }

        for (int i = 0; i < 20 && !problem.Exhausted; i++)
        {
            (double cost, double slope) = At(step);
            if (cost > f0 + c1 * step * slope0 || (i > 0 && cost >= previousCost) || !double.IsFinite(cost))
            {
                if (Zoom(previousStep, previousCost, previousSlope, step, cost, slope, out double accepted))
                {
                    f = accepted;
                    return true;
                }
                break;
            }
            if (Math.Abs(slope) <= -c2 * slope0)
            {
                f = cost;
                return Accept(cost);
            }
            if (slope >= 0)
            {
                if (Zoom(step, cost, slope, previousStep, previousCost, previousSlope, out double accepted))
                {
                    f = accepted;
                    return true;
                }
                break;
            }
            previousStep = step;
            previousCost = cost;
            previousSlope = slope;
            step *= 2;
        }

        // No Wolfe point within budget: keep the best decrease found, if any.
        Array.Copy(bestX, x, n);
        Array.Copy(bestG, g, n);
        f = bestCost;
        return bestCost < f0;

        bool Zoom(double low, double lowCost, double lowSlope, double high, double highCost, double highSlope, out double cost)
        {
            for (int j = 0; j < 30 && !problem.Exhausted; j++)
            {
                double alpha = Cubic(low, lowCost, lowSlope, high, highCost, highSlope);
                (double c, double s) = At(alpha);
                if (c > f0 + c1 * alpha * slope0 || c >= lowCost || !double.IsFinite(c))
                {
                    (high, highCost, highSlope) = (alpha, c, s);
                }
                else
                {
                    if (Math.Abs(s) <= -c2 * slope0)
                    {
                        cost = c;
                        return Accept(c);
                    }
                    if (s * (high - low) >= 0)
                    {
                        (high, highCost, highSlope) = (low, lowCost, lowSlope);
                    }
                    (low, lowCost, lowSlope) = (alpha, c, s);
                }
                if (Math.Abs(high - low) < 1e-12 * Math.Max(1, Math.Abs(low)))
                {
                    break;
                }
            }
            cost = double.NaN;
            return false;
        }
    }

    // Minimiser of the cubic through (a, fa, da) and (b, fb, db), kept inside the middle 80% of [a, b].
    internal static double Cubic(double a, double fa, double da, double b, double fb, double db)
    {
        double lo = Math.Min(a, b), hi = Math.Max(a, b), width = hi - lo;
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        double result = double.NaN;
        if (disc >= 0 && double.IsFinite(fb))
        {
            double d2 = Math.Sign(b - a) * Math.Sqrt(disc);
            result = b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
        }
        if (!double.IsFinite(result) || result < lo + 0.1 * width || result > hi - 0.1 * width)
        {
            result = (a + b) / 2;
        }
        return result;
    }
}
