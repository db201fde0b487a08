namespace Nn;

/// <summary>Centred finite differences for scalar functions, the building block of gradient checking.</summary>
public static class NumericDerivative
{
    /// <summary>(f(x + ε) − f(x − ε)) / 2ε, accurate to O(ε²).</summary>
    /// <exception cref="ArgumentOutOfRangeException">ε is not positive and finite.</exception>
    public static double Centred(Func<double, double> function, double x, double epsilon = 1e-5)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (!double.IsFinite(epsilon) || epsilon <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive and finite.");
        }
        return (function(x + epsilon) - function(x - epsilon)) / (2 * epsilon);
    }
}
