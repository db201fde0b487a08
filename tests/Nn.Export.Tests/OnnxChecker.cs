using System.Diagnostics;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>
/// Runs the reference checker of Debian's python3-onnx (onnx.checker.check_model with full_check=True) on a file.
/// Skipped where /usr/bin/python3 has no onnx module; required when NN_REQUIRE_ONNX_CHECKER=1 (set by .ci/run).
/// </summary>
internal static class OnnxChecker
{
    private const string Python = "/usr/bin/python3";

    public static void Check(string path) => CheckAll([path]);

    /// <summary>Checks several files in one Python process (starting one costs about a third of a second).</summary>
    public static void CheckAll(IReadOnlyList<string> paths)
    {
        string path = string.Join("\n", paths);
        (int code, string output) = RunPython(
            "import onnx, sys\nfor p in sys.argv[1].split('\\n'):\n    onnx.checker.check_model(onnx.load(p), full_check=True)\nprint('ok', len(sys.argv[1].split('\\n')), onnx.__version__)", path);
        if (code != 0 && (output.Contains("No module named 'onnx'") || output.Contains("No such file")))
        {
            if (Environment.GetEnvironmentVariable("NN_REQUIRE_ONNX_CHECKER") == "1")
            {
                Assert.Fail("NN_REQUIRE_ONNX_CHECKER=1 but python3-onnx is not available: " + output);
            }
            Assert.Skip("The ONNX reference checker needs Debian's python3-onnx: " + output.Trim());
        }
        Assert.True(code == 0, $"onnx.checker rejected {path}:\n{output}");
    }

    private static (int Code, string Output) RunPython(string script, string argument)
    {
        if (!File.Exists(Python))
        {
            return (127, "No such file: " + Python);
        }
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(argument);
        using Process process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr);
    }
}
