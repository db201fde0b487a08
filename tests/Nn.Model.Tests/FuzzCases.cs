namespace Nn.Model.Tests;

/// <summary>Fuzz case counts: CI keeps each test's default; NN_FUZZ_CASES raises it for a long run (e.g. 10000).</summary>
internal static class FuzzCases
{
    public static int Count(int standard) =>
        int.TryParse(Environment.GetEnvironmentVariable("NN_FUZZ_CASES"), out int cases) && cases > 0 ? cases : standard;
}
