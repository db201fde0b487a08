using System.Numerics;

namespace Nn.Model.Tests;

/// <summary>Seeded random inputs and targets of the kinds each loss expects.</summary>
internal static class TestData
{
    public static T[] Inputs<T>(int batch, int features, int seed) where T : INumberBase<T>
    {
        var random = new Random(seed);
        var values = new T[batch * features];
        for (int i = 0; i < values.Length; i++) values[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
        return values;
    }

    public static T[] Targets<T>(Loss loss, int batch, int outputs, int seed) where T : INumberBase<T>
    {
        var random = new Random(seed + 1000);
        var values = new T[batch * outputs];
        for (int r = 0; r < batch; r++)
        {
            if (loss is CategoricalCrossEntropy or Hinge)
            {
                values[r * outputs + random.Next(outputs)] = T.One; // one-hot
            }
            else
            {
                for (int j = 0; j < outputs; j++)
                {
                    values[r * outputs + j] = loss is BinaryCrossEntropy
                        ? (random.Next(2) == 1 ? T.One : T.Zero) // multi-label
                        : T.CreateChecked(random.NextDouble() * 2 - 1);
                }
            }
        }
        return values;
    }
}
