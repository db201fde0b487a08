using System.Text;
using Nn.Data;
using Xunit;

namespace Nn.Model.Tests.Data;

public sealed class CsvReaderTests
{
    private static DataSet<double> Load(string text, CsvOptions? options = null) =>
        CsvReader.Load<double>(new MemoryStream(Encoding.UTF8.GetBytes(text)), "data.csv", options);

    [Fact]
    public void DetectsHeaderAndMapsStringLabelsSorted()
    {
        using var data = Load("a,b,species\n1.5,2,virginica\n3,-4e-1,setosa\n\n5,6,virginica\n");
        Assert.Equal(3, data.Count);
        Assert.Equal(["setosa", "virginica"], data.ClassNames);
        Assert.Equal([1, 0, 1], data.Labels.ToArray());
        Assert.Equal([1.5, 2, 3, -0.4, 5, 6], data.Features.ToArray());
    }

    [Fact]
    public void IntegerLabelsSortNumerically()
    {
        using var data = Load("1,10\n2,2\n3,1\n");
        Assert.Equal(["1", "2", "10"], data.ClassNames);
        Assert.Equal([2, 1, 0], data.Labels.ToArray());
    }

    [Fact]
    public void LabelColumnByNameAndQuotedFields()
    {
        using var data = Load("\"label\",x,y\n\"cat, big\",1,2\ndog,3,4\n", new CsvOptions { LabelColumn = "label" });
        Assert.Equal(["cat, big", "dog"], data.ClassNames);
        Assert.Equal([1.0, 2, 3, 4], data.Features.ToArray());
    }

    [Fact]
    public void RegressionTargetsByIndex()
    {
        using var data = Load("0.5,1,2\n1.5,3,4\n", new CsvOptions { Task = CsvTask.Regression, LabelColumnIndex = 0 });
        Assert.False(data.IsClassification);
        Assert.Equal([0.5, 1.5], data.Targets.ToArray());
        Assert.Equal([1.0, 2, 3, 4], data.Features.ToArray());
    }

    [Theory]
    [InlineData("1,2,a\n1,x,b\n", 2, 2, "'x' is not a number")]
    [InlineData("1,2,a\n1,,b\n", 2, 2, "empty cell")]
    [InlineData("1,2,a\n1,2\n", 2, null, "has 2 columns but the first line has 3")]
    [InlineData("1,2,a\n1,NaN,b\n", 2, 2, "not finite")]
    [InlineData("1,2,a\n1,Infinity,b\n", 2, 2, "not finite")]
    [InlineData("1,2,a\n1,2,\"b\n", 2, 3, "unterminated quoted field")]
    [InlineData("1,2,a\n1,2, \n", 2, 3, "empty label")]
    public void BadCellsNameLineAndColumn(string text, long line, int? column, string problem)
    {
        var error = Assert.Throws<DataFormatException>(() => Load(text));
        Assert.Equal(line, error.Record);
        Assert.Equal(column, error.Column);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith("data.csv:", error.Message);
    }

    [Fact]
    public void UnknownLabelColumnListsColumns()
    {
        var error = Assert.Throws<DataFormatException>(() => Load("a,b\n1,2\n", new CsvOptions { LabelColumn = "class" }));
        Assert.Contains("no column named 'class'", error.Message);
        Assert.Contains("'a', 'b'", error.Message);
    }

    [Fact]
    public void LabelOutsideFixedClassesIsRejected()
    {
        var error = Assert.Throws<DataFormatException>(() => Load("1,2,cat\n3,4,cow\n", new CsvOptions { ClassNames = ["cat", "dog"] }));
        Assert.Contains("'cow'", error.Message);
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        Assert.Throws<DataFormatException>(() => Load(""));
        Assert.Throws<DataFormatException>(() => Load("a,b,c\n"));
    }

    [Fact]
    public void CompressedCsvIsRead()
    {
        byte[] text = Encoding.UTF8.GetBytes("1.5,2,0\n3,-4.25,1\n7,8,0\n");
        using var data = CsvReader.Load<float>(new MemoryStream(IdxFiles.Gzip(text)), "data.csv.gz");
        using var plain = CsvReader.Load<float>(new MemoryStream(text), "data.csv");
        Assert.Equal(3, data.Count);
        Assert.Equal([1.5f, 2, 3, -4.25f, 7, 8], data.Features.ToArray());
        Assert.Equal([0, 1, 0], data.Labels.ToArray());
        Assert.Equal(plain.Features.ToArray(), data.Features.ToArray());
        Assert.Equal(plain.Targets.ToArray(), data.Targets.ToArray());
    }
}
