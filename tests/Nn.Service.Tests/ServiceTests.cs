using System.Net;
using System.Text;
using System.Text.Json;
using Nn.Bench.Load;
using Nn.Checkpoints;
using Nn.Data;
using Nn.Serving;
using Xunit;

namespace Nn.Service.Tests;

/// <summary>The HTTP service on a real loopback socket: answers, refusals, model swaps under load.</summary>
public sealed class ServiceTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-service-").FullName;
    private readonly HttpClient _client = new();
    private PredictionService _service = null!;
    private string _first = null!, _second = null!;

    private static TrainedModel<float> Model(int seed)
    {
        var network = new Network<float>(new Sequential(new Dense(4, 16), new Relu(), new Dense(16, 3), new Softmax()), new NetworkOptions { Seed = seed });
        var scaler = FeatureScaler.FromParameters(ScalingKind.MinMax, [0.5, 0.25, 1, 2], [0, -1, 0, 0.5]);
        return new TrainedModel<float>(network, scaler, ["setosa", "versicolor", "virginica"], $"seed {seed}");
    }

    public async ValueTask InitializeAsync()
    {
        _first = Path.Combine(_folder, "first.nnck");
        _second = Path.Combine(_folder, "second.nnck");
        using (TrainedModel<float> a = Model(1)) Checkpoint.Save(_first, a);
        using (TrainedModel<float> b = Model(2)) Checkpoint.Save(_second, b);
        _service = PredictionService.Create(new ServiceOptions { ModelPath = _first, Port = 0, MaxBodyBytes = 64 << 10, MaxRows = 100 });
        await _service.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _service.DisposeAsync();
        _client.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Uri At(string path) => new(_service.Address, path);

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using HttpResponseMessage response = await _client.PostAsync(At(path), content);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task PredictAnswersWhatThePredictorComputes()
    {
        float[][] rows = [[5.1f, 3.5f, 1.4f, 0.2f], [6.7f, 3.1f, 4.4f, 1.4f], [0, 0, 0, 0]];
        (HttpStatusCode status, JsonElement body) = await Post("/predict", JsonSerializer.Serialize(new { inputs = rows }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, body.GetProperty("rows").GetInt32());

        using TrainedModel<float> model = Model(1);
        using Predictor predictor = Predictor.From(model);
        JsonElement[] predictions = body.GetProperty("predictions").EnumerateArray().ToArray();
        for (int r = 0; r < rows.Length; r++)
        {
            var expected = new float[3];
            predictor.Predict(rows[r], expected);
            float[] probabilities = predictions[r].GetProperty("probabilities").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            Assert.Equal(expected, probabilities);   // floats are written shortest-round-trip: the same bits come back
            int best = Array.IndexOf(expected, expected.Max());
            Assert.Equal(best, predictions[r].GetProperty("class").GetInt32());
            Assert.Equal(model.ClassNames![best], predictions[r].GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task HealthAndModelDescribeTheServedModel()
    {
        JsonElement health = JsonDocument.Parse(await _client.GetStringAsync(At("/health"))).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        JsonElement model = JsonDocument.Parse(await _client.GetStringAsync(At("/model"))).RootElement;
        Assert.Equal("4-16-3 (Relu, Softmax)", model.GetProperty("architecture").GetString());
        Assert.Equal(4, model.GetProperty("inputSize").GetInt32());
        Assert.Equal(["setosa", "versicolor", "virginica"], model.GetProperty("classNames").EnumerateArray().Select(n => n.GetString()!));
        Assert.Equal("checkpoint", model.GetProperty("provenance").GetProperty("format").GetString());
        Assert.Equal(_first, model.GetProperty("provenance").GetProperty("path").GetString());
        Assert.Equal(64, model.GetProperty("provenance").GetProperty("sha256").GetString()!.Length);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "", "body is empty" },
        { "{\"inputs\": [[1, 2, 3]]}", "Row 1 has 3 features; the model takes 4" },
        { "{\"inputs\": [[1, 2, 3, 4], [1, 2, 3, 4, 5]]}", "Row 2 has more than the model's 4 features" },
        { "{\"inputs\": [[1, 2, \"x\", 4]]}", "Row 1, value 3 is the string \"x\", not a number" },
        { "{\"inputs\": [[1, 2, \"NaN\", 4]]}", "NaN and infinity are not accepted" },
        { "{\"inputs\": [[1, 2, null, 4]]}", "value 3 is null" },
        { "{\"inputs\": [[1, 2, 1e39, 4]]}", "outside the float range" },
        { "{\"inputs\": [[1, 2, 3, 4]", "not valid JSON" },
        { "{\"inputs\": []}", "holds no rows" },
        { "{\"input\": [[1, 2, 3, 4]]}", "Unknown field \"input\"" },
        { "[[1, 2, 3, 4]]", "must be a JSON object" },
        { "{\"inputs\": [1, 2, 3, 4]}", "Row 1 is not an array" },
        { "{\"inputs\": [[[1], 2, 3, 4]]}", "value 1 is startarray, not a number" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadRequestsGet400WithAMessage(string body, string message)
    {
        (HttpStatusCode status, JsonElement answer) = await Post("/predict", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(message, answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task OversizedBodiesAndTooManyRowsGet400()
    {
        string huge = "{\"inputs\": [" + string.Join(",", Enumerable.Repeat("[1,2,3,4]", 10_000)) + "]}";
        (HttpStatusCode status, JsonElement answer) = await Post("/predict", huge);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("limit of 65536 bytes", answer.GetProperty("error").GetString());

        string many = "{\"inputs\": [" + string.Join(",", Enumerable.Repeat("[1,2,3,4]", 101)) + "]}";
        (status, answer) = await Post("/predict", many);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("at most 100 rows", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task AReloadThatFailsKeepsServingTheOldModel()
    {
        string broken = Path.Combine(_folder, "broken.nnck");
        await File.WriteAllBytesAsync(broken, [1, 2, 3]);
        (HttpStatusCode status, JsonElement answer) = await Post("/model/reload", JsonSerializer.Serialize(new { path = broken }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("was not replaced", answer.GetProperty("error").GetString());
        Assert.Equal(1, _service.Host.Generation);
        (status, _) = await Post("/predict", "{\"inputs\": [[1, 2, 3, 4]]}");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task ServesPyTorchOnnxExports()
    {
        string onnx = Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_gemm_opset13.onnx");
        (HttpStatusCode status, JsonElement model) = await Post("/model/reload", JsonSerializer.Serialize(new { path = onnx }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("onnx", model.GetProperty("provenance").GetProperty("format").GetString());
        int features = model.GetProperty("inputSize").GetInt32();
        (status, JsonElement answer) = await Post("/predict", JsonSerializer.Serialize(new { inputs = new[] { new float[features] } }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, answer.GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task LoadWithModelSwapsMidTestHasNoFailuresAndEveryAnswerComesFromOneWholeModel()
    {
        float[][] rows = Enumerable.Range(0, 8).Select(r => new[] { r * 0.7f, 3f - r, 1.5f * r, 0.25f }).ToArray();
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new { inputs = rows });
        // Each model's exact answer, keyed by the model hash the service reports.
        var expected = new Dictionary<string, float[]>();
        foreach ((string path, int seed) in new[] { (_first, 1), (_second, 2) })
        {
            using TrainedModel<float> model = Model(seed);
            using Predictor predictor = Predictor.From(model);
            var outputs = new float[rows.Length * 3];
            predictor.Predict(rows.SelectMany(r => r).ToArray(), outputs, rows.Length);
            string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))[..12];
            expected[sha] = outputs;
        }
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        bool Check(string text)
        {
            JsonElement root = JsonDocument.Parse(text).RootElement;
            string model = root.GetProperty("model").GetString()!;
            if (!expected.TryGetValue(model, out float[]? want)) return false;
            seen.AddOrUpdate(model, 1, (_, n) => n + 1);
            float[] got = root.GetProperty("predictions").EnumerateArray().SelectMany(p => p.GetProperty("probabilities").EnumerateArray().Select(v => v.GetSingle())).ToArray();
            return got.AsSpan().SequenceEqual(want);
        }
        int swaps = 0;
        async Task SwapBackAndForth()
        {
            for (int i = 0; i < 6; i++)
            {
                (HttpStatusCode status, _) = await Post("/model/reload", JsonSerializer.Serialize(new { path = i % 2 == 0 ? _second : _first }));
                Assert.Equal(HttpStatusCode.OK, status);
                swaps++;
                await Task.Delay(50);
            }
        }
        LoadReport report = await HttpLoad.RunAsync(At("/predict"), body, connections: 8, TimeSpan.FromSeconds(3), maxRequests: 200_000, Check, SwapBackAndForth);
        TestContext.Current.TestOutputHelper?.WriteLine($"service load test: {report}");
        Assert.True(report.Failures == 0, string.Join("\n", report.FailureSamples));
        Assert.True(report.Requests > 100, report.ToString());
        Assert.Equal(6, swaps);
        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task WatchingTheFileSwapsInANewSaveAtomically()
    {
        string watched = Path.Combine(_folder, "watched.nnck");
        File.Copy(_first, watched);
        await using PredictionService service = PredictionService.Create(new ServiceOptions { ModelPath = watched, Port = 0, WatchModelFile = true });
        await service.StartAsync();
        using (TrainedModel<float> b = Model(2)) Checkpoint.Save(watched, b);   // temp file + rename, as nn train --save does
        for (int i = 0; i < 100 && service.Host.Generation == 1; i++) await Task.Delay(50);
        Assert.True(service.Host.Generation > 1);
        Assert.Equal("seed 2", service.Host.Current.Predictor.Summary);
    }
}
