using System.IO.Compression;

namespace Nn.Data;

/// <summary>Opens a data stream that may be gzip-compressed, telling the two apart by the gzip magic bytes 1F 8B.</summary>
internal static class Gzip
{
    /// <summary>
    /// Returns the stream to read the payload from (decompressing if needed; the caller's stream stays open when the
    /// result is disposed), whether it was compressed, and how many bytes the (possibly compressed) input holds.
    /// Non-seekable input is copied into memory first so the magic bytes can be peeked.
    /// </summary>
    public static Stream OpenPayload(Stream stream, out bool compressed, out long inputLength)
    {
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[2];
        int got = stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        stream.Position = start;
        inputLength = stream.Length - start;
        compressed = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return compressed ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : new NonClosingStream(stream);
    }

    // Lets a caller's stream be wrapped in a using block without being closed.
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
