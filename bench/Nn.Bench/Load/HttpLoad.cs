using System.Diagnostics;
using System.Net;

namespace Nn.Bench.Load;

/// <summary>The outcome of a load run: counts, throughput and latency percentiles.</summary>
public sealed record LoadReport(long Requests, long Failures, double Seconds, double P50Milliseconds, double P99Milliseconds, double MaxMilliseconds,
    IReadOnlyList<string> FailureSamples)
{
    public double RequestsPerSecond => Requests / Seconds;

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Requests:N0} requests in {Seconds:F1} s: {RequestsPerSecond:N0} req/s, p50 {P50Milliseconds:F3} ms, p99 {P99Milliseconds:F3} ms, max {MaxMilliseconds:F1} ms, {Failures} failed");
}

/// <summary>
/// A small closed-loop HTTP load generator: <c>connections</c> workers each send one request, wait for the answer, and
/// send the next, until the time or request budget runs out. A response counts as failed unless it is 200 and the
/// check accepts its body. Used by <c>nn-bench load-test</c> (a second process against <c>nn serve</c>) and by the service tests.
/// </summary>
public static class HttpLoad
{
    public static async Task<LoadReport> RunAsync(Uri url, byte[] body, int connections, TimeSpan duration, long maxRequests,
        Func<string, bool>? check = null, Func<Task>? midway = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var latencies = new List<long>[connections];
        var failures = new List<string>();
        long sent = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        var stop = clock.Elapsed + duration;
        async Task Worker(int index)
        {
            var mine = latencies[index] = new List<long>(1 << 16);
            while (clock.Elapsed < stop && Interlocked.Increment(ref sent) <= maxRequests)
            {
                long start = Stopwatch.GetTimestamp();
                string? problem = null;
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using HttpResponseMessage response = await client.PostAsync(url, content).ConfigureAwait(false);
                    string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    if (response.StatusCode != HttpStatusCode.OK) problem = $"{(int)response.StatusCode}: {text}";
                    else if (check is not null && !check(text)) problem = $"unexpected answer: {text[..Math.Min(200, text.Length)]}";
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException or IOException)
                {
                    problem = error.Message;
                }
                mine.Add(Stopwatch.GetTimestamp() - start);
                if (problem is not null)
                {
                    Interlocked.Increment(ref failed);
                    lock (failures) if (failures.Count < 5) failures.Add(problem);
                }
            }
        }
        Task[] workers = Enumerable.Range(0, connections).Select(i => Task.Run(() => Worker(i))).ToArray();
        if (midway is not null)
        {
            await Task.Delay(duration / 2).ConfigureAwait(false);
            await midway().ConfigureAwait(false);
        }
        await Task.WhenAll(workers).ConfigureAwait(false);
        double seconds = clock.Elapsed.TotalSeconds;
        long[] all = latencies.SelectMany(l => l).Order().ToArray();
        double Milliseconds(double q) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(q * all.Length))] * 1000.0 / Stopwatch.Frequency;
        return new LoadReport(all.Length, failed, seconds, Milliseconds(0.5), Milliseconds(0.99), Milliseconds(1.0), failures);
    }
}
