using System.Diagnostics;

namespace Nn.Cli.Tests;

/// <summary>Runs the built nn tool in a child process, as a user would.</summary>
internal static class ToolProcess
{
    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "nn.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        // Pinned so that two runs compare bit for bit.
        start.Environment["NN_BLAS"] = "managed";
        start.Environment["NN_THREADS"] = "2";
        return start;
    }

    public static (int Code, string Output) Run(string workingDirectory, params string[] args)
    {
        using Process process = Process.Start(StartInfo(workingDirectory, args))!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, text + error.Result);
    }
}
