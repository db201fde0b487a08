using System.Buffers.Binary;
using System.Numerics;
using Nn.Native.Memory;

namespace Nn.Data;

/// <summary>
/// Reads the MNIST IDX format (unsigned-byte arrays with a big-endian header), raw or gzip-compressed, as
/// MNIST and Fashion-MNIST ship it. Pixels stream straight from the (decompressing) file into one aligned
/// slab of T in 64 KiB chunks, so the data is held once. Every malformed input is a <see cref="DataFormatException"/>.
/// </summary>
public static class IdxReader
{
    /// <summary>The most elements a header may declare unless the caller allows more: 2²⁸ (1 GiB of float32).</summary>
    public const long DefaultMaxElements = 1L << 28;

    // Deflate cannot expand data by more than about 1032:1, so a gzip file of n bytes holds at most ~1032·n.
    private const long MaxDeflateRatio = 1032;
    private const byte UnsignedByte = 0x08;

    /// <summary>
    /// Loads images (idx3, or any idx with ≥ 2 dimensions: n × d₁ × d₂ … flattened to n × (d₁·d₂·…)) and labels (idx1)
    /// as a classification set. Pixel values stay 0–255; scale them with <see cref="FeatureScaler"/>.
    /// </summary>
    /// <param name="classNames">Class names by index; by default "0" … "9" (labels must then be below 10).</param>
    /// <exception cref="DataFormatException">Either file is malformed, or the files disagree.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    public static DataSet<T> LoadClassification<T>(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null,
        long maxElements = DefaultMaxElements) where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream images = OpenFile(imagesPath);
        using FileStream labels = OpenFile(labelsPath);
        return LoadClassification<T>(images, imagesPath, labels, labelsPath, classNames, maxElements);
    }

    /// <summary>As <see cref="LoadClassification{T}(string, string, IReadOnlyList{string}?, long)"/>, from streams.</summary>
    public static DataSet<T> LoadClassification<T>(Stream images, string imagesName, Stream labels, string labelsName,
        IReadOnlyList<string>? classNames = null, long maxElements = DefaultMaxElements) where T : unmanaged, IFloatingPointIeee754<T>
    {
        classNames ??= Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int classes = classNames.Count;

        byte[] labelBytes = ReadLabels(labels, labelsName, classes, maxElements);
        (AlignedBuffer<T> pixels, int count, int features) = ReadImages<T>(images, imagesName, maxElements);
        try
        {
            if (count != labelBytes.Length)
            {
                throw new DataFormatException(imagesName, $"holds {count} images but {labelsName} holds {labelBytes.Length} labels.");
            }
            var labelIndices = new int[count];
            for (int i = 0; i < count; i++) labelIndices[i] = labelBytes[i];
            var targets = new AlignedBuffer<T>(count * classes);
            Categorical.ToOneHot(labelIndices, classes, targets.Span);
            return new DataSet<T>(pixels, features, targets, classes, labelIndices, classNames, imagesName);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads an images file alone (idx with ≥ 2 dimensions, flattened per sample) as raw features, for prediction:
    /// returns the pixels (count × features, row-major) in an aligned buffer the caller owns.
    /// </summary>
    /// <exception cref="DataFormatException">The file is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static (AlignedBuffer<T> Features, int Count, int FeatureCount) LoadFeatures<T>(string imagesPath, long maxElements = DefaultMaxElements)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using FileStream images = OpenFile(imagesPath);
        return ReadImages<T>(images, imagesPath, maxElements);
    }

    /// <summary>Reads an idx1 label file; every label must be below <paramref name="classes"/>.</summary>
    internal static byte[] ReadLabels(Stream stream, string name, int classes, long maxElements)
    {
        using Stream data = Gzip.OpenPayload(stream, out bool compressed, out long compressedLength);
        int[] dims = ReadHeader(data, name, expectedRank: 1, maxElements, compressedLength, compressed, out long elements);
        var labels = new byte[dims[0]];
        ReadExactly(data, labels, name, elements);
        EnsureEnd(data, name);
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new DataFormatException(name, $"label {labels[i]} is outside [0, {classes}).", record: i + 1);
            }
        }
        return labels;
    }

    /// <summary>Reads an image file into a new slab; returns the slab, the image count and the values per image.</summary>
    internal static (AlignedBuffer<T> Pixels, int Count, int Features) ReadImages<T>(Stream stream, string name, long maxElements)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        using Stream data = Gzip.OpenPayload(stream, out bool compressed, out long compressedLength);
        int[] dims = ReadHeader(data, name, expectedRank: null, maxElements, compressedLength, compressed, out long elements);
        int count = dims[0];
        int features = (int)(elements / count);
        var pixels = new AlignedBuffer<T>((int)elements);
        try
        {
            Span<T> target = pixels.Span;
            byte[] chunk = new byte[1 << 16];
            long done = 0;
            while (done < elements)
            {
                int want = (int)Math.Min(chunk.Length, elements - done);
                int got = data.ReadAtLeast(chunk.AsSpan(0, want), want, throwOnEndOfStream: false);
                if (got < want)
                {
                    throw Truncated(name, elements, done + got, features);
                }
                System.Numerics.Tensors.TensorPrimitives.ConvertTruncating<byte, T>(chunk.AsSpan(0, want), target.Slice((int)done, want));
                done += want;
            }
            EnsureEnd(data, name);
            return (pixels, count, features);
        }
        catch (InvalidDataException error)
        {
            pixels.Dispose();
            throw new DataFormatException(name, $"is not valid gzip data ({error.Message}).", inner: error);
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
    }

    private static FileStream OpenFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"IDX file not found: {path}", path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    private static int[] ReadHeader(Stream data, string name, int? expectedRank, long maxElements, long fileLength, bool compressed, out long elements)
    {
        Span<byte> head = stackalloc byte[4];
        try
        {
            if (data.ReadAtLeast(head, 4, throwOnEndOfStream: false) < 4)
            {
                throw new DataFormatException(name, "is too short to hold an IDX header (4 bytes).");
            }
            if (head[0] != 0 || head[1] != 0)
            {
                throw new DataFormatException(name, $"does not start with the IDX magic number (00 00 type rank); found {head[0]:X2} {head[1]:X2} {head[2]:X2} {head[3]:X2}.");
            }
            if (head[2] != UnsignedByte)
            {
                throw new DataFormatException(name, $"has element type 0x{head[2]:X2}; only unsigned bytes (0x08), as MNIST uses, are supported.");
            }
            int rank = head[3];
            if (expectedRank is { } required ? rank != required : rank < 2)
            {
                throw new DataFormatException(name, expectedRank is { } r
                    ? $"has {rank} dimensions; a label file has {r}."
                    : $"has {rank} dimensions; an image file has at least 2 (count, then the image shape).");
            }
            Span<byte> dimBytes = stackalloc byte[4 * rank];
            if (data.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false) < dimBytes.Length)
            {
                throw new DataFormatException(name, $"ends inside its header ({rank} dimensions need {4 + 4 * rank} bytes).");
            }
            var dims = new int[rank];
            elements = 1;
            for (int i = 0; i < rank; i++)
            {
                uint value = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * i, 4));
                if (value == 0 || value > int.MaxValue)
                {
                    throw new DataFormatException(name, $"declares dimension {i + 1} as {value}; dimensions must be between 1 and {int.MaxValue}.");
                }
                dims[i] = (int)value;
                elements *= value;
                if (elements > maxElements)
                {
                    throw new DataFormatException(name, $"declares more than {maxElements:N0} elements (dimensions {string.Join(" × ", dims.Take(i + 1))} …); refusing to allocate that much.");
                }
            }
            long headerLength = 4 + 4L * rank;
            if (!compressed && headerLength + elements != fileLength)
            {
                throw new DataFormatException(name, $"declares {string.Join(" × ", dims)} = {elements:N0} bytes of data but holds {fileLength - headerLength:N0}.");
            }
            if (compressed && headerLength + elements > MaxDeflateRatio * fileLength + 1024)
            {
                throw new DataFormatException(name, $"declares {elements:N0} bytes of data, more than a {fileLength:N0}-byte gzip file can hold.");
            }
            return dims;
        }
        catch (InvalidDataException error)
        {
            throw new DataFormatException(name, $"is not valid gzip data ({error.Message}).", inner: error);
        }
    }

    private static void ReadExactly(Stream data, byte[] buffer, string name, long elements)
    {
        try
        {
            int got = data.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (got < buffer.Length)
            {
                throw Truncated(name, elements, got, 1);
            }
        }
        catch (InvalidDataException error)
        {
            throw new DataFormatException(name, $"is not valid gzip data ({error.Message}).", inner: error);
        }
    }

    private static void EnsureEnd(Stream data, string name)
    {
        try
        {
            if (data.ReadByte() >= 0)
            {
                throw new DataFormatException(name, "holds more data than its header declares.");
            }
        }
        catch (InvalidDataException error)
        {
            throw new DataFormatException(name, $"is not valid gzip data after its declared end ({error.Message}).", inner: error);
        }
    }

    private static DataFormatException Truncated(string name, long expected, long found, int perRecord) =>
        new(name, $"is truncated: its header declares {expected:N0} bytes of data but only {found:N0} are there.", record: found / perRecord + 1);
}
