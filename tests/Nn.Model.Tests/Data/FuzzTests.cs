using System.Text;
using CsCheck;
using Nn.Data;
using Xunit;

namespace Nn.Model.Tests.Data;

/// <summary>Thousands of random mutations of valid files produce nothing but the documented exceptions.</summary>
public sealed class FuzzTests
{
    private static readonly byte[] ValidImages = IdxFiles.Images(6, 4, 4);
    private static readonly byte[] ValidLabels = IdxFiles.Labels(1, 2, 3, 4, 5, 6);
    private static readonly byte[] ValidCsv = Encoding.UTF8.GetBytes("x,y,z,label\n1,2.5,-3,cat\n4,5e2,6,dog\n\"7\",8,9,cat\n");

    // A mutation: overwrite, insert, delete or truncate at a position, or forge a header byte.
    private static Gen<byte[]> Mutations(byte[] valid) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, valid.Length], Gen.Byte, Gen.Int[1, 8]).Select(t =>
        {
            (int kind, int position, byte value, int count) = t;
            var bytes = valid.ToList();
            position = Math.Min(position, bytes.Count - 1);
            switch (kind)
            {
                case 0: for (int i = 0; i < count && position + i < bytes.Count; i++) bytes[position + i] = value; break;
                case 1: bytes.InsertRange(position, Enumerable.Repeat(value, count)); break;
                case 2: bytes.RemoveRange(position, Math.Min(count, bytes.Count - position)); break;
                case 3: bytes.RemoveRange(position, bytes.Count - position); break;
                default: bytes[Math.Min(position % 16, bytes.Count - 1)] = value; break;
            }
            return bytes.ToArray();
        });

    private static void OnlyDocumentedExceptions(Action load)
    {
        try
        {
            load();
        }
        catch (DataFormatException)
        {
        }
    }

    [Fact]
    public void MutatedIdxImagesOnlyThrowDataFormatException() =>
        Mutations(ValidImages).Sample(bytes => OnlyDocumentedExceptions(() =>
            IdxReader.LoadClassification<float>(new MemoryStream(bytes), "images", new MemoryStream(ValidLabels), "labels").Dispose()), iter: FuzzCases.Count(3000));

    [Fact]
    public void MutatedCompressedIdxOnlyThrowsDataFormatException()
    {
        byte[] compressed = IdxFiles.Gzip(ValidImages);
        Gen.OneOf(Mutations(compressed), Mutations(ValidImages).Select(IdxFiles.Gzip)).Sample(bytes => OnlyDocumentedExceptions(() =>
            IdxReader.LoadClassification<float>(new MemoryStream(bytes), "images.gz", new MemoryStream(ValidLabels), "labels").Dispose()), iter: FuzzCases.Count(3000));
    }

    [Fact]
    public void MutatedIdxLabelsOnlyThrowDataFormatException() =>
        Mutations(ValidLabels).Sample(bytes => OnlyDocumentedExceptions(() =>
            IdxReader.LoadClassification<float>(new MemoryStream(ValidImages), "images", new MemoryStream(bytes), "labels").Dispose()), iter: FuzzCases.Count(3000));

    [Fact]
    public void MutatedCsvOnlyThrowsDataFormatException() =>
        Mutations(ValidCsv).Sample(bytes => OnlyDocumentedExceptions(() =>
            CsvReader.Load<float>(new MemoryStream(bytes), "data.csv").Dispose()), iter: FuzzCases.Count(3000));

    [Fact]
    public void RandomBytesOnlyThrowDataFormatException() =>
        Gen.Byte.Array[0, 64].Sample(bytes =>
        {
            OnlyDocumentedExceptions(() => IdxReader.LoadClassification<float>(new MemoryStream(bytes), "images", new MemoryStream(ValidLabels), "labels").Dispose());
            OnlyDocumentedExceptions(() => CsvReader.Load<float>(new MemoryStream(bytes), "data.csv").Dispose());
        }, iter: FuzzCases.Count(3000));
}
