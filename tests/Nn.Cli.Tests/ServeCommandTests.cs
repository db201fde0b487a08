using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>nn serve as a user starts it: a child process that serves until killed, and clear errors before it listens.</summary>
public sealed partial class ServeCommandTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-cli-serve-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [GeneratedRegex(@"listening on (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex Listening();

    [Fact]
    public async Task ServesATrainedCheckpointUntilKilled()
    {
        Assert.Equal(0, ToolProcess.Run(_folder, "train", "--quiet", "--epochs", "3", "--save", "digits.nnck", "--output", "digits.onnx").Code);
        using Process server = Process.Start(ToolProcess.StartInfo(_folder, "serve", "--model", "digits.nnck", "--port", "0"))!;
        try
        {
            string? address = null;
            for (string? line; address is null && (line = await server.StandardOutput.ReadLineAsync()) is not null;)
            {
                log.WriteLine(line);
                if (Listening().Match(line) is { Success: true } match) address = match.Groups[1].Value;
            }
            Assert.NotNull(address);
            using var client = new HttpClient { BaseAddress = new Uri(address) };
            JsonElement model = JsonDocument.Parse(await client.GetStringAsync("/model")).RootElement;
            Assert.Equal(64, model.GetProperty("inputSize").GetInt32());
            using var content = new StringContent("{\"inputs\": [[" + string.Join(",", Enumerable.Repeat(3, 64)) + "]]}");
            using HttpResponseMessage response = await client.PostAsync("/predict", content);
            Assert.True(response.IsSuccessStatusCode);
            JsonElement answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(10, answer.GetProperty("predictions")[0].GetProperty("probabilities").GetArrayLength());
        }
        finally
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    [Theory]
    [InlineData(new[] { "serve" }, 2, "serve needs --model")]
    [InlineData(new[] { "serve", "--model", "missing.nnck" }, 1, "Model file not found: missing.nnck")]
    [InlineData(new[] { "serve", "--model", "notes.txt" }, 1, "notes.txt is not a valid ONNX")]
    [InlineData(new[] { "serve", "--model", "notes.txt", "--port", "70000" }, 2, "--port must be an integer between 0 and 65535")]
    public void BadServeCommandsFailWithOneLine(string[] args, int code, string message)
    {
        File.WriteAllText(Path.Combine(_folder, "notes.txt"), "not a model");
        (int exit, string output) = ToolProcess.Run(_folder, args);
        log.WriteLine(output);
        Assert.Equal(code, exit);
        Assert.Contains(message, output);
        Assert.DoesNotContain("   at ", output);
    }
}
