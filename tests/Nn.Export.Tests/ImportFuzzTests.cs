using CsCheck;
using Nn.Data;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>Random mutations of valid ONNX files load or fail with <see cref="OnnxImportException"/>, nothing else.</summary>
public sealed class ImportFuzzTests
{
    private static readonly byte[] Valid = Export();

    private static byte[] Export()
    {
        using TrainedModel<float> model = ExportParityTests.RandomModel("LeakyRelu", "Softmax", ScalingKind.MinMax, seed: 1);
        return OnnxExporter.ToBytes(model);
    }

    [Fact]
    public void MutatedModelsOnlyThrowOnnxImportException() =>
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, Valid.Length - 1], Gen.Byte, Gen.Int[1, 16]).Sample(t =>
        {
            (int kind, int position, byte value, int count) = t;
            var bytes = Valid.ToList();
            switch (kind)
            {
                case 0: for (int i = 0; i < count && position + i < bytes.Count; i++) bytes[position + i] = value; break;
                case 1: bytes.InsertRange(position, Enumerable.Repeat(value, count)); break;
                case 2: bytes.RemoveRange(position, Math.Min(count, bytes.Count - position)); break;
                default: bytes.RemoveRange(position, bytes.Count - position); break;
            }
            try
            {
                OnnxImporter.Load<float>(bytes.ToArray(), "fuzz.onnx").Dispose();
            }
            catch (OnnxImportException)
            {
            }
        }, iter: 3000);
}
