using CsCheck;
using Nn.Data;
using Xunit;

namespace Nn.Export.Tests;

/// <summary>
/// Random mutations of valid ONNX files load or fail with <see cref="OnnxImportException"/>, nothing else, and never allocate
/// more than a bound proportional to the file. NN_FUZZ_CASES raises the case count for a long run (CI keeps 3,000).
/// </summary>
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
            byte[] file = bytes.ToArray();
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxImporter.Load<float>(file, "fuzz.onnx").Dispose();
            }
            catch (OnnxImportException)
            {
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 64L * Valid.Length + (1 << 20), $"{allocated} bytes allocated for a {file.Length}-byte file");
        }, iter: int.TryParse(Environment.GetEnvironmentVariable("NN_FUZZ_CASES"), out int cases) && cases > 0 ? cases : 3000);
}
