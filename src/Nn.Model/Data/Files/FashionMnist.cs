using System.Numerics;

namespace Nn.Data;

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 60,000 training and 10,000 test images of 28×28 in 10 classes,
/// in IDX files. Found in the directory the caller names, else $NN_FASHION_MNIST, else
/// /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
/// </summary>
public static class FashionMnist
{
    /// <summary>Environment variable naming a directory that holds the four IDX files.</summary>
    public const string DirectoryVariable = "NN_FASHION_MNIST";

    /// <summary>Where Debian's dataset-fashion-mnist installs the files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The ten class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The directory holding the files, or null when none of the candidates has them.</summary>
    public static string? FindDirectory(string? directory = null)
    {
        IEnumerable<string?> candidates = directory is not null
            ? [directory]
            : [Environment.GetEnvironmentVariable(DirectoryVariable), DebianDirectory];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && FilePath(c, "train-images-idx3-ubyte") is not null);
    }

    /// <summary>Loads the training and test sets with pixel values 0–255.</summary>
    /// <exception cref="DirectoryNotFoundException">No directory with the files was found; the message says where it looked.</exception>
    /// <exception cref="DataFormatException">A file is malformed.</exception>
    public static (DataSet<T> Train, DataSet<T> Test) Load<T>(string? directory = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string found = FindDirectory(directory) ?? throw new DirectoryNotFoundException(
            $"Fashion-MNIST not found (looked in {directory ?? $"${DirectoryVariable} and {DebianDirectory}"}). " +
            "Install the Debian package dataset-fashion-mnist or set NN_FASHION_MNIST to a directory with the four IDX files.");
        DataSet<T> train = Load<T>(found, "train");
        try
        {
            return (train, Load<T>(found, "t10k"));
        }
        catch
        {
            train.Dispose();
            throw;
        }
    }

    private static DataSet<T> Load<T>(string directory, string prefix) where T : unmanaged, IFloatingPointIeee754<T>
    {
        string images = FilePath(directory, $"{prefix}-images-idx3-ubyte") ?? throw new FileNotFoundException($"{directory} has no {prefix}-images-idx3-ubyte[.gz].");
        string labels = FilePath(directory, $"{prefix}-labels-idx1-ubyte") ?? throw new FileNotFoundException($"{directory} has no {prefix}-labels-idx1-ubyte[.gz].");
        return IdxReader.LoadClassification<T>(images, labels, ClassNames);
    }

    private static string? FilePath(string directory, string stem) =>
        new[] { Path.Combine(directory, stem + ".gz"), Path.Combine(directory, stem) }.FirstOrDefault(File.Exists);
}
