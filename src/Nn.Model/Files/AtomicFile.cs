namespace Nn.Files;

/// <summary>
/// Replaces a file only once its new contents are complete and on disk: the bytes go to a temporary file in the
/// same folder, are flushed to the device, and the temporary file is renamed over the target (rename is atomic
/// within a file system). A crash at any moment leaves either the old file or the new one, never a mix.
/// </summary>
/// <remarks>Thread safety: safe from several threads; concurrent writers of one path each land whole, the last rename wins.</remarks>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> atomically.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="IOException">Writing or renaming failed; the previous file is untouched and the temporary one removed.</exception>
    public static void Write(string path, ReadOnlyMemory<byte> contents) => Write(path, stream => stream.Write(contents.Span));

    /// <summary>Writes through <paramref name="write"/> into a temporary file, then renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string temporary = TemporaryPathFor(path);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    private static string TemporaryPathFor(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? throw new ArgumentException($"{path} names no file.", nameof(path));
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Cannot write {path}: the folder {directory} does not exist.");
        }
        // Same folder, so the rename never crosses file systems; a dot name keeps it out of casual listings.
        return Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
