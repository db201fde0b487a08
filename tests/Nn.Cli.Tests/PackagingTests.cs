using System.Diagnostics;
using System.IO.Compression;
using Xunit;

namespace Nn.Cli.Tests;

/// <summary>dotnet pack makes the libraries (README, licence, XML docs, symbols) and the nn tool, which installs and runs.</summary>
public sealed class PackagingTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nn-pack-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nn.Native.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (Nn.Native.sln) is not above the test binaries.");
    }

    private (int Code, string Output) Dotnet(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        log.WriteLine($"dotnet {string.Join(' ', args)} -> {process.ExitCode}\n{text}");
        return (process.ExitCode, text);
    }

    [Fact]
    public void PackedLibrariesCarryDocsAndTheToolInstallsAndRuns()
    {
        string packages = Path.Combine(_folder, "packages");
        Assert.Equal(0, Dotnet("pack", Path.Combine(RepositoryRoot(), "Nn.Native.sln"), "-c", "Release", "-o", packages).Code);
        foreach (string library in new[] { "Nn.Native", "Nn.Model", "Nn.Export" })
        {
            string package = Path.Combine(packages, $"{library}.0.1.0.nupkg");
            Assert.True(File.Exists(Path.Combine(packages, $"{library}.0.1.0.snupkg")), $"{library} has no symbols package");
            using ZipArchive zip = ZipFile.OpenRead(package);
            string[] entries = zip.Entries.Select(e => e.FullName).ToArray();
            Assert.Contains("README.md", entries);
            Assert.Contains($"lib/net10.0/{library}.dll", entries);
            Assert.Contains($"lib/net10.0/{library}.xml", entries);
            using var nuspec = new StreamReader(zip.Entries.First(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            string manifest = nuspec.ReadToEnd();
            Assert.Contains("<license type=\"expression\">MIT</license>", manifest);
            Assert.Contains("<readme>README.md</readme>", manifest);
        }

        string tools = Path.Combine(_folder, "tools");
        Assert.Equal(0, Dotnet("tool", "install", "--tool-path", tools, "--add-source", packages, "Nn.Tool").Code);
        var start = new ProcessStartInfo(Path.Combine(tools, "nn"), "--help") { RedirectStandardOutput = true };
        using Process nn = Process.Start(start)!;
        string help = nn.StandardOutput.ReadToEnd();
        nn.WaitForExit();
        Assert.Equal(0, nn.ExitCode);
        Assert.Contains("nn [command] [options]", help);
        Assert.Contains("serve", help);
    }
}
