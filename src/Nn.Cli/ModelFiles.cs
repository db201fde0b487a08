namespace Nn.Cli;

/// <summary>Guards against overwriting what the user did not ask to lose.</summary>
internal static class ModelFiles
{
    /// <summary>
    /// An existing file may be replaced only with --force, or, for model outputs, when it is itself an ONNX model
    /// written by Nn (so re-running the same command works). The directory must exist.
    /// </summary>
    public static void CheckWritable(string path, bool force, bool onlyNnFiles = true)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new UsageException($"Cannot write {path}: the directory {directory} does not exist.");
        }
        if (!File.Exists(path) || force)
        {
            return;
        }
        if (onlyNnFiles && IsNnModel(path))
        {
            return;
        }
        throw new UsageException($"{path} already exists and was not written by Nn; choose another --output or pass --force to replace it.");
    }

    /// <summary>A --plot path: it must name a PNG and be writable under the same rules as any output.</summary>
    public static void CheckPlot(string path, bool force)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
        {
            throw new UsageException($"--plot writes a PNG; give a path ending in .png, not '{path}'.");
        }
        CheckWritable(path, force, onlyNnFiles: false);
    }

    private static bool IsNnModel(string path) => Checkpoints.Checkpoint.HasMagic(path) || Export.OnnxImporter.ProducerOf(path) == "Nn";
}
