using System.Buffers.Binary;
using System.IO.Compression;

namespace Nn.Model.Tests.Data;

/// <summary>Builds small IDX files in memory, optionally gzip-compressed.</summary>
internal static class IdxFiles
{
    public static byte[] Images(int count, int rows, int cols, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[count * rows * cols];
        random.NextBytes(pixels);
        return Build([count, rows, cols], pixels);
    }

    public static byte[] Labels(params byte[] labels) => Build([labels.Length], labels);

    public static byte[] Build(int[] dims, byte[] data, byte type = 0x08)
    {
        var bytes = new byte[4 + 4 * dims.Length + data.Length];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(raw);
        return output.ToArray();
    }
}
