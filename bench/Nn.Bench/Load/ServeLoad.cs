using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Nn.Checkpoints;

namespace Nn.Bench.Load;

/// <summary>
/// dotnet run -c Release --project bench/Nn.Bench -- serve-load [seconds] [connections]
/// Starts `nn serve` on the 784-256-128-10 model in a child process and loads it over loopback from this process with
/// batch-1 requests, swapping the model every second; then again with wrk if it is installed. Server and client share
/// the machine's cores. Prints requests/s, p50/p99 latency and failures.
/// </summary>
public static class ServeLoad
{
    private static long ResidentBytesOf(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        int seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
        int connections = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 8;
        string folder = Directory.CreateTempSubdirectory("nn-serve-load-").FullName;
        string first = Path.Combine(folder, "first.nnck"), second = Path.Combine(folder, "second.nnck");
        using (TrainedModel<float> model = InferenceModel.Create()) Checkpoint.Save(first, model);
        using (var model = new TrainedModel<float>(new Network<float>(new Sequential(new Dense(784, 256), new Relu(), new Dense(256, 128), new Relu(),
            new Dense(128, 10), new Softmax()), new NetworkOptions { Seed = 2 }))) Checkpoint.Save(second, model);

        int port = 18000 + Environment.ProcessId % 1000;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { Path.Combine(AppContext.BaseDirectory, "nn.dll"), "serve", "--model", first, "--port", port.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(a);
        }
        using Process server = Process.Start(start)!;
        var baseUri = new Uri($"http://127.0.0.1:{port}/");
        int code = 1;
        try
        {
            using var client = new HttpClient();
            for (int i = 0; i < 200; i++)
            {
                try
                {
                    await client.GetStringAsync(new Uri(baseUri, "/health"));
                    break;
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50);
                }
            }
            Console.WriteLine($"server    nn serve --model {first} --port {port} (pid {server.Id}); {Environment.ProcessorCount} cores shared with the client");
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { inputs = new[] { InferenceModel.Rows(1, InferenceInputs.Pixels, 5) } });
            await HttpLoad.RunAsync(new Uri(baseUri, "/predict"), body, connections, TimeSpan.FromSeconds(2), long.MaxValue);   // warm-up

            int swaps = 0;
            async Task Swaps()
            {
                for (int s = 0; s < seconds / 2; s++)
                {
                    using HttpResponseMessage r = await client.PostAsJsonAsync(new Uri(baseUri, "/model/reload"), new { path = s % 2 == 0 ? second : first });
                    if (r.IsSuccessStatusCode) swaps++;
                    await Task.Delay(1000);
                }
            }
            // The server's resident memory after each tenth of the steady run: flat when the last is within 5 % of the first.
            var rss = new List<long>();
            async Task SampleServerMemory()
            {
                for (int t = 0; t < 10; t++)
                {
                    await Task.Delay(seconds * 100);
                    rss.Add(ResidentBytesOf(server.Id));
                }
            }
            Task sampling = SampleServerMemory();
            LoadReport steady = await HttpLoad.RunAsync(new Uri(baseUri, "/predict"), body, connections, TimeSpan.FromSeconds(seconds), long.MaxValue);
            await sampling;
            Console.WriteLine($"dotnet    {connections} connections, batch 1, steady:        {steady}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rss       server MiB after each tenth: {string.Join(" ", rss.Select(b => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture)))}; last vs first {(rss[^1] - rss[0]) * 100.0 / rss[0]:+0.0;-0.0} %"));
            Task swapping = Task.Delay(seconds * 250).ContinueWith(_ => Swaps()).Unwrap();
            LoadReport swapped = await HttpLoad.RunAsync(new Uri(baseUri, "/predict"), body, connections, TimeSpan.FromSeconds(seconds), long.MaxValue);
            await swapping;
            Console.WriteLine($"dotnet    {connections} connections, batch 1, {swaps} swaps:      {swapped}");
            foreach (string sample in steady.FailureSamples.Concat(swapped.FailureSamples)) Console.WriteLine($"failure   {sample}");
            code = steady.Failures == 0 && swapped.Failures == 0 ? 0 : 1;

            if (File.Exists("/usr/bin/wrk"))
            {
                string script = Path.Combine(folder, "post.lua");
                await File.WriteAllTextAsync(script, $"wrk.method = \"POST\"\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.body = [=[{System.Text.Encoding.UTF8.GetString(body)}]=]\n");
                var wrk = new ProcessStartInfo("/usr/bin/wrk") { RedirectStandardOutput = true };
                foreach (string a in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--latency", "-s", script, new Uri(baseUri, "/predict").ToString() }) wrk.ArgumentList.Add(a);
                using Process run = Process.Start(wrk)!;
                string text = await run.StandardOutput.ReadToEndAsync();
                await run.WaitForExitAsync();
                Console.WriteLine($"wrk       -t2 -c{connections} -d{seconds}s --latency (POST batch 1):");
                Console.WriteLine(text);
            }
            else
            {
                Console.WriteLine("wrk       not installed (apt-get install wrk) — skipped");
            }
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
        return code;
    }
}
