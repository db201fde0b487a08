using System.Diagnostics;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>NN_BLAS and NN_THREADS are read at first use; each case runs the tool in its own process.</summary>
public sealed class EnvironmentSelectionTests(ITestOutputHelper output)
{
    private (int Code, string Output) Run(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nn.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using Process process = Process.Start(start)!;
        string text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        output.WriteLine(text);
        return (process.ExitCode, text);
    }

    [Fact]
    public void ForcedProviderAndThreadCountAreReported()
    {
        (int code, string text) = Run(new() { ["NN_BLAS"] = "managed", ["NN_THREADS"] = "1" }, "info");
        Assert.Equal(0, code);
        Assert.Contains("provider:          managed", text);
        Assert.Contains("threads:           1", text);
        Assert.Contains("OPENBLAS_CORETYPE", text);
    }

    [Fact]
    public void ForcedProviderThatCannotLoadIsAnErrorNamingWhatWasTried()
    {
        (int code, string text) = Run(new() { ["NN_BLAS"] = "/nonexistent/libmkl_rt.so" }, "info");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/libmkl_rt.so", text);
        Assert.Contains("libmkl-rt", text);
    }

    [Fact]
    public void BadThreadCountIsAnError()
    {
        (int code, string text) = Run(new() { ["NN_THREADS"] = "many" }, "info");
        Assert.Equal(1, code);
        Assert.Contains("NN_THREADS='many' is not a positive integer", text);
    }
}
