using Nn.Data;
using Xunit;

namespace Nn.Model.Tests.Data;

public sealed class IdxReaderTests
{
    private static DataSet<float> Load(byte[] images, byte[] labels, IReadOnlyList<string>? classes = null) =>
        IdxReader.LoadClassification<float>(new MemoryStream(images), "images.idx3", new MemoryStream(labels), "labels.idx1", classes);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabelsRawOrCompressed(bool compressed)
    {
        byte[] images = IdxFiles.Images(5, 3, 4), labels = IdxFiles.Labels(0, 9, 3, 3, 1);
        if (compressed)
        {
            images = IdxFiles.Gzip(images);
            labels = IdxFiles.Gzip(labels);
        }
        using DataSet<float> data = Load(images, labels);
        Assert.Equal(5, data.Count);
        Assert.Equal(12, data.FeatureCount);
        Assert.Equal(10, data.TargetCount);
        Assert.Equal([0, 9, 3, 3, 1], data.Labels.ToArray());
        byte[] raw = IdxFiles.Images(5, 3, 4);
        Assert.Equal(raw.Skip(16).Select(b => (float)b), data.Features.ToArray());
        Assert.Equal(1f, data.Targets[10 + 9]);
    }

    [Fact]
    public void WrongMagicNumberIsNamed()
    {
        byte[] images = IdxFiles.Images(2, 2, 2);
        images[0] = 0x12;
        var error = Assert.Throws<DataFormatException>(() => Load(images, IdxFiles.Labels(1, 2)));
        Assert.Contains("images.idx3", error.Message);
        Assert.Contains("magic number", error.Message);
    }

    [Fact]
    public void UnsupportedElementTypeIsNamed()
    {
        byte[] images = IdxFiles.Build([1, 2, 2], new byte[16], type: 0x0D);
        var error = Assert.Throws<DataFormatException>(() => Load(images, IdxFiles.Labels(1)));
        Assert.Contains("0x0D", error.Message);
    }

    [Fact]
    public void DimensionsThatDisagreeWithFileLengthAreRejected()
    {
        byte[] images = IdxFiles.Images(3, 2, 2);
        var error = Assert.Throws<DataFormatException>(() => Load(images[..^1], IdxFiles.Labels(1, 2, 3)));
        Assert.Contains("declares 3 × 2 × 2 = 12 bytes of data but holds 11", error.Message);
    }

    [Fact]
    public void ForgedHugeHeaderIsRefusedWithoutAllocating()
    {
        byte[] images = IdxFiles.Build([int.MaxValue, 60000, 60000], new byte[8]);
        var error = Assert.Throws<DataFormatException>(() => Load(images, IdxFiles.Labels(1)));
        Assert.Contains("refusing to allocate", error.Message);

        byte[] compressed = IdxFiles.Gzip(IdxFiles.Build([100000, 28, 28], new byte[10]));
        error = Assert.Throws<DataFormatException>(() => Load(compressed, IdxFiles.Labels(1)));
        Assert.Contains("more than a", error.Message);
    }

    [Fact]
    public void TruncatedGzipIsRejectedWithTheRecord()
    {
        byte[] compressed = IdxFiles.Gzip(IdxFiles.Images(100, 8, 8));
        var error = Assert.Throws<DataFormatException>(() => Load(compressed[..(compressed.Length / 2)], IdxFiles.Gzip(IdxFiles.Labels(new byte[100]))));
        Assert.Contains("images.idx3", error.Message);
        Assert.True(error.Message.Contains("truncated") || error.Message.Contains("gzip"), error.Message);
    }

    [Fact]
    public void CountsThatDifferAreRejected()
    {
        var error = Assert.Throws<DataFormatException>(() => Load(IdxFiles.Images(3, 2, 2), IdxFiles.Labels(1, 2)));
        Assert.Contains("holds 3 images but labels.idx1 holds 2 labels", error.Message);
    }

    [Fact]
    public void LabelOutOfRangeNamesTheRecord()
    {
        var error = Assert.Throws<DataFormatException>(() => Load(IdxFiles.Images(3, 2, 2), IdxFiles.Labels(1, 2, 12)));
        Assert.Equal(3, error.Record);
        Assert.Contains("label 12 is outside [0, 10)", error.Message);
    }

    [Fact]
    public void TrailingDataIsRejected()
    {
        byte[] labels = [.. IdxFiles.Labels(1, 2), 7];
        var error = Assert.Throws<DataFormatException>(() => Load(IdxFiles.Images(2, 2, 2), IdxFiles.Gzip(labels)));
        Assert.Contains("more data than its header declares", error.Message);
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var error = Assert.Throws<FileNotFoundException>(() => IdxReader.LoadClassification<float>("/nonexistent/a.idx3", "/nonexistent/b.idx1"));
        Assert.Contains("/nonexistent/a.idx3", error.Message);
    }
}
