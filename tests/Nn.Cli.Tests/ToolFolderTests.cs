using Xunit;

namespace Nn.Cli.Tests;

/// <summary>Base of tests that run the nn tool as a child process in a temporary folder of their own, logging each run.</summary>
public abstract class ToolFolderTests(ITestOutputHelper log, string prefix) : IDisposable
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory(prefix).FullName;

    protected ITestOutputHelper Log => log;

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    protected (int Code, string Output) Nn(params string[] args)
    {
        (int code, string output) = ToolProcess.Run(Folder, args);
        log.WriteLine($"nn {string.Join(' ', args)} -> {code}\n{output}");
        return (code, output);
    }
}
