using System.Buffers;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Nn.Checkpoints;
using Nn.Export;
using Nn.Serving;

namespace Nn.Service;

/// <summary>
/// The HTTP prediction service: Kestrel on 127.0.0.1 with a minimal API.
/// <list type="bullet">
/// <item>POST /predict <c>{"inputs": [[...], ...]}</c>: each sample's class, class name and probabilities (classifiers) or values (regression).</item>
/// <item>GET /health: liveness and the model generation.</item>
/// <item>GET /model: architecture, input size, class names, provenance.</item>
/// <item>POST /model/reload <c>{"path": "..."}</c> (optional body): loads a model and swaps it in atomically.</item>
/// </list>
/// Bad requests get 400 with a message, never 500.
/// </summary>
/// <remarks>Thread safety: Start once, Dispose once; requests are served concurrently.</remarks>
public sealed class PredictionService : IAsyncDisposable
{
    // Messages quote JSON back to the client; the relaxed encoder keeps them readable (the content type is JSON, not HTML).
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly ServiceOptions _options;
    private FileSystemWatcher? _watcher;

    private PredictionService(WebApplication app, ModelHost host, ServiceOptions options)
    {
        _app = app;
        Host = host;
        _options = options;
    }

    /// <summary>The served model.</summary>
    public ModelHost Host { get; }

    /// <summary>The base address once started, e.g. http://127.0.0.1:8080.</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Loads the model (errors surface here, before any port is opened) and builds the service.</summary>
    public static PredictionService Create(ServiceOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Port, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.Port, 65535);
        var host = new ModelHost(options.ModelPath);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.AddServerHeader = false;
            // Our own limit answers 400 with a message; Kestrel's would answer 413 without one.
            kestrel.Limits.MaxRequestBodySize = null;
        });
        WebApplication app = builder.Build();
        var service = new PredictionService(app, host, options);
        app.MapPost("/predict", service.PredictAsync);
        app.MapGet("/health", (HttpContext context) => WriteJson(context, 200, writer =>
        {
            writer.WriteString("status", "ok");
            writer.WriteNumber("generation", host.Generation);
        }));
        app.MapGet("/model", (HttpContext context) => WriteJson(context, 200, writer => WriteModel(writer, host)));
        app.MapPost("/model/reload", service.ReloadAsync);
        if (log is not null) service._log = log;
        return service;
    }

    private Action<string> _log = _ => { };

    /// <summary>Starts listening (and watching the model file if asked).</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_options.WatchModelFile) Watch(Host.Current.Path);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> fires (Ctrl+C in the CLI).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops listening; requests in flight finish first.</summary>
    public async ValueTask DisposeAsync()
    {
        _watcher?.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task PredictAsync(HttpContext context)
    {
        ServedModel served = Host.Current;   // this request's model, whatever swaps happen meanwhile
        Predictor predictor = served.Predictor;
        byte[]? body = null;
        float[]? inputs = null, outputs = null;
        try
        {
            (body, int length) = await ReadBodyAsync(context.Request, _options.MaxBodyBytes).ConfigureAwait(false);
            int rows;
            (inputs, rows) = PredictRequest.Parse(body.AsSpan(0, length), predictor.InputSize, _options.MaxRows);
            int k = predictor.OutputSize;
            outputs = ArrayPool<float>.Shared.Rent(rows * k);
            predictor.Predict(inputs.AsSpan(0, rows * predictor.InputSize), outputs.AsSpan(0, rows * k), rows);
            float[] results = outputs;
            await WriteJson(context, 200, writer => WritePredictions(writer, predictor, served, results, rows)).ConfigureAwait(false);
        }
        catch (BadRequestException error)
        {
            await WriteError(context, 400, error.Message).ConfigureAwait(false);
        }
        finally
        {
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
            if (inputs is not null) ArrayPool<float>.Shared.Return(inputs);
            if (outputs is not null) ArrayPool<float>.Shared.Return(outputs);
        }
    }

    private async Task ReloadAsync(HttpContext context)
    {
        byte[]? body = null;
        try
        {
            (body, int length) = await ReadBodyAsync(context.Request, 1 << 16).ConfigureAwait(false);
            string? path = null;
            if (length > 0)
            {
                try
                {
                    using JsonDocument document = JsonDocument.Parse(body.AsMemory(0, length));
                    if (document.RootElement.ValueKind != JsonValueKind.Object
                        || (document.RootElement.TryGetProperty("path", out JsonElement p) && p.ValueKind != JsonValueKind.String))
                    {
                        throw new BadRequestException("The reload body must be {\"path\": \"/path/to/model\"} or empty.");
                    }
                    path = document.RootElement.TryGetProperty("path", out JsonElement value) ? value.GetString() : null;
                }
                catch (JsonException error)
                {
                    throw new BadRequestException($"The body is not valid JSON: {error.Message}");
                }
            }
            ServedModel next;
            try
            {
                next = Host.Swap(path);
            }
            catch (Exception error) when (error is CheckpointException or OnnxImportException or FileNotFoundException or IOException or UnauthorizedAccessException or ArgumentException)
            {
                throw new BadRequestException($"The model was not replaced: {error.Message}");
            }
            _log($"model {next.Path} ({next.Format}) installed, generation {Host.Generation}");
            await WriteJson(context, 200, writer => WriteModel(writer, Host)).ConfigureAwait(false);
        }
        catch (BadRequestException error)
        {
            await WriteError(context, 400, error.Message).ConfigureAwait(false);
        }
        finally
        {
            if (body is not null) ArrayPool<byte>.Shared.Return(body);
        }
    }

    private void Watch(string path)
    {
        // Nn saves by renaming a finished file over the old one, so a rename or change event means a whole new file.
        _watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size,
        };
        void Reload(object? sender, FileSystemEventArgs e)
        {
            try
            {
                Host.Swap(path);
                _log($"model file changed: reloaded {path}, generation {Host.Generation}");
            }
            catch (Exception error) when (error is CheckpointException or OnnxImportException or IOException or UnauthorizedAccessException)
            {
                _log($"model file changed but was not loaded ({error.Message}); still serving the previous model");
            }
        }
        _watcher.Changed += Reload;
        _watcher.Renamed += (sender, e) => Reload(sender, e);
        _watcher.Created += Reload;
        _watcher.EnableRaisingEvents = true;
    }

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit)
        {
            throw new BadRequestException($"The body is {request.ContentLength} bytes, over the limit of {limit} bytes.");
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1L, Math.Max(request.ContentLength ?? 4096, 256)));
        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit) break;
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(limit + 1L, buffer.Length * 2L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                int read = await request.Body.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false);
                if (read == 0) break;
                length += read;
            }
            if (length > limit)
            {
                throw new BadRequestException($"The body is larger than the limit of {limit} bytes.");
            }
            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static void WritePredictions(Utf8JsonWriter writer, Predictor predictor, ServedModel served, float[] outputs, int rows)
    {
        int k = predictor.OutputSize;
        writer.WriteNumber("rows", rows);
        writer.WriteString("model", served.Sha256[..12]);
        writer.WriteStartArray("predictions");
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = outputs.AsSpan(r * k, k);
            writer.WriteStartObject();
            if (predictor.IsClassifier)
            {
                int best = k == 1 ? (row[0] >= 0.5f ? 1 : 0) : System.Numerics.Tensors.TensorPrimitives.IndexOfMax(row);
                writer.WriteNumber("class", best);
                writer.WriteString("name", predictor.ClassName(best));
                writer.WriteStartArray(predictor.Architecture.OutputActivation is Softmax or Sigmoid ? "probabilities" : "scores");
                if (k == 1) writer.WriteNumberValue(1 - row[0]);
                foreach (float value in row) writer.WriteNumberValue(value);
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteStartArray("values");
                foreach (float value in row) writer.WriteNumberValue(value);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    private static void WriteModel(Utf8JsonWriter writer, ModelHost host)
    {
        ServedModel served = host.Current;
        Predictor p = served.Predictor;
        writer.WriteString("architecture", p.Architecture.ToString());
        writer.WriteNumber("inputSize", p.InputSize);
        writer.WriteNumber("outputSize", p.OutputSize);
        writer.WriteString("task", p.IsClassifier ? "classification" : "regression");
        if (p.ClassNames is { } names)
        {
            writer.WriteStartArray("classNames");
            foreach (string name in names) writer.WriteStringValue(name);
            writer.WriteEndArray();
        }
        else
        {
            writer.WriteNull("classNames");
        }
        writer.WriteStartObject("provenance");
        writer.WriteString("path", served.Path);
        writer.WriteString("format", served.Format);
        writer.WriteString("sha256", served.Sha256);
        writer.WriteString("summary", p.Summary);
        writer.WriteString("loadedAt", served.LoadedAt);
        writer.WriteNumber("generation", host.Generation);
        writer.WriteEndObject();
        writer.WriteString("blas", p.Provider.ToString());
    }

    private static Task WriteError(HttpContext context, int status, string message) =>
        WriteJson(context, status, writer => writer.WriteString("error", message));

    private static async Task WriteJson(HttpContext context, int status, Action<Utf8JsonWriter> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await context.Response.BodyWriter.FlushAsync().ConfigureAwait(false);
    }
}
