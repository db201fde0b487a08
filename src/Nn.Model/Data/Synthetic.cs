using System.Numerics;

namespace Nn.Data;

/// <summary>Small generated problems for demos and tests; the same seed gives the same data.</summary>
public static class Synthetic
{
    /// <summary>
    /// The lectures' XOR table: inputs (0,0), (0,1), (1,0), (1,1) with a constant third input 1 as the bias,
    /// targets 0, 1, 1, 0. With <paramref name="biasColumn"/> false the inputs are just the two bits.
    /// </summary>
    public static DataSet<T> Xor<T>(bool biasColumn = true) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] rows = biasColumn ? [0, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1] : [0, 0, 0, 1, 1, 0, 1, 1];
        T[] features = rows.Select(T.CreateChecked).ToArray();
        T[] targets = [T.Zero, T.One, T.One, T.Zero];
        return DataSet.FromRegression<T>(features, biasColumn ? 3 : 2, targets, 1, "xor");
    }

    /// <summary>
    /// Gaussian blobs around <paramref name="classes"/> well-separated centres in <paramref name="features"/>
    /// dimensions; with the default spread two classes are linearly separable (a perceptron converges).
    /// </summary>
    public static DataSet<T> Blobs<T>(int samples, int seed, int classes = 2, int features = 2, double spread = 0.5)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        var random = new Random(seed);
        // Centres on a circle in the first two dimensions (a line when there is one feature), 4π apart.
        var centres = new double[classes, features];
        double radius = 2.0 * classes;
        for (int c = 0; c < classes; c++)
        {
            double angle = 2 * Math.PI * c / classes;
            if (features == 1)
            {
                centres[c, 0] = 4.0 * Math.PI * c;
            }
            else
            {
                centres[c, 0] = radius * Math.Cos(angle);
                centres[c, 1] = radius * Math.Sin(angle);
            }
        }
        var x = new T[samples * features];
        var labels = new int[samples];
        var point = new double[features];
        for (int i = 0; i < samples; i++)
        {
            int c = i % classes;
            labels[i] = c;
            // Redraw any point that is nearer another class's centre: nearest-centre cells are separated by
            // hyperplanes, so the classes are linearly separable by construction, not just with high probability.
            do
            {
                for (int f = 0; f < features; f++) point[f] = centres[c, f] + spread * Normal(random);
            }
            while (NearestCentre(centres, point) != c);
            for (int f = 0; f < features; f++) x[i * features + f] = T.CreateChecked(point[f]);
        }
        return DataSet.FromClassification<T>(x, features, labels, null, $"blobs(seed={seed})");
    }

    /// <summary>Two interleaved spirals, a classic problem no linear model can solve.</summary>
    public static DataSet<T> TwoSpirals<T>(int samples, int seed, double noise = 0.1) where T : unmanaged, IFloatingPointIeee754<T> =>
        TwoClassesInThePlane<T>(samples, seed, noise, "spirals", (c, random) =>
        {
            double t = 0.25 + 3.0 * Math.PI * random.NextDouble(), sign = c == 0 ? 1 : -1;
            return (sign * t * Math.Cos(t) / Math.PI, sign * t * Math.Sin(t) / Math.PI);
        });

    /// <summary>Two interleaving half circles ("moons").</summary>
    public static DataSet<T> Moons<T>(int samples, int seed, double noise = 0.1) where T : unmanaged, IFloatingPointIeee754<T> =>
        TwoClassesInThePlane<T>(samples, seed, noise, "moons", (c, random) =>
        {
            double angle = Math.PI * random.NextDouble();
            return c == 0 ? (Math.Cos(angle), Math.Sin(angle)) : (1 - Math.Cos(angle), 0.5 - Math.Sin(angle));
        });

    // Alternating classes 0, 1, 0, …; each point from the class's curve plus Gaussian noise.
    private static DataSet<T> TwoClassesInThePlane<T>(int samples, int seed, double noise, string name,
        Func<int, Random, (double X, double Y)> curve) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        var random = new Random(seed);
        var x = new T[samples * 2];
        var labels = new int[samples];
        for (int i = 0; i < samples; i++)
        {
            labels[i] = i % 2;
            (double px, double py) = curve(labels[i], random);
            x[2 * i] = T.CreateChecked(px + noise * Normal(random));
            x[2 * i + 1] = T.CreateChecked(py + noise * Normal(random));
        }
        return DataSet.FromClassification<T>(x, 2, labels, null, $"{name}(seed={seed})");
    }

    private static int NearestCentre(double[,] centres, double[] point)
    {
        int best = 0;
        double bestDistance = double.PositiveInfinity;
        for (int c = 0; c < centres.GetLength(0); c++)
        {
            double distance = 0;
            for (int f = 0; f < point.Length; f++) distance += (point[f] - centres[c, f]) * (point[f] - centres[c, f]);
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = c;
            }
        }
        return best;
    }

    private static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * random.NextDouble());
    }
}
