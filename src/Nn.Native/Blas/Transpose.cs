namespace Nn.Native;

/// <summary>Whether a GEMM operand is used as stored or transposed (cblas CBLAS_TRANSPOSE).</summary>
public enum Transpose
{
    /// <summary>Use the matrix as stored.</summary>
    None = 111,

    /// <summary>Use the transpose of the stored matrix.</summary>
    Transposed = 112,
}
