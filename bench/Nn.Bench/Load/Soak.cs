using System.Diagnostics;
using System.Globalization;
using Nn.Serving;

namespace Nn.Bench.Load;

/// <summary>
/// dotnet run -c Release --project bench/Nn.Bench -- soak [cycles]
/// Creates and disposes a 64-64-32-10 network, a trained model around a second one and a predictor built from it,
/// `cycles` times (default 100,000), printing resident memory after each tenth and the live native bytes at the end.
/// Memory is flat when the last sample is within 5 % of the first. (The service's memory under load: serve-load.)
/// </summary>
public static class Soak
{
    public static int Run(string[] args)
    {
        int cycles = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100_000;
        bool flat = true;

        var architecture = new Sequential(new Dense(64, 64), new Relu(), new Dense(64, 32), new Relu(), new Dense(32, 10), new Softmax());
        float[] x = InferenceModel.Rows(1, InferenceInputs.Pixels, 3)[..64];
        var y = new float[10];
        void Cycle(int i)
        {
            using var network = new Network<float>(architecture, new NetworkOptions { Seed = i });
            network.Predict(x, y, 1);
            using var model = new TrainedModel<float>(new Network<float>(architecture, new NetworkOptions { Seed = i }));
            using Predictor predictor = Predictor.From(model);
            predictor.Predict(x, y);
        }
        // Resident memory is sampled after each tenth of the run: flat means the last sample is within 5 % of the first
        // (the first tenth is the warm-up in which the GC and the allocator size their pools).
        var clock = Stopwatch.StartNew();
        var samples = new List<long>();
        long nativeBefore = Nn.Native.Memory.NativeMemoryStatistics.LiveBytes;
        for (int tenth = 0; tenth < 10; tenth++)
        {
            for (int i = 0; i < cycles / 10; i++) Cycle(i);
            samples.Add(ResidentMemory.Bytes());
        }
        Console.WriteLine($"native    live aligned-buffer bytes before {nativeBefore:N0}, after {Nn.Native.Memory.NativeMemoryStatistics.LiveBytes:N0}");
        flat &= Report($"{cycles:N0} create/dispose cycles (network + model + predictor, {clock.Elapsed.TotalSeconds:F0} s)", samples);

        return flat ? 0 : 1;
    }

    private static bool Report(string what, List<long> samples)
    {
        double growth = (samples[^1] - samples[0]) * 100.0 / samples[0];
        string series = string.Join(" ", samples.Select(b => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss       {what}: MiB after each tenth: {series}; last vs first {growth:+0.0;-0.0} %"));
        return growth <= 5;
    }
}
