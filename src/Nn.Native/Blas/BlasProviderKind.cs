namespace Nn.Native;

/// <summary>The GEMM implementations Nn knows how to load.</summary>
public enum BlasProviderKind
{
    /// <summary>Intel MKL through libmkl_rt (Debian non-free package libmkl-rt).</summary>
    Mkl,

    /// <summary>OpenBLAS through libopenblas.so.0 (Debian package libopenblas0-pthread).</summary>
    OpenBlas,

    /// <summary>Nn's own cache-blocked, vectorised, multi-threaded kernel; always available.</summary>
    Managed,

    /// <summary>Another library exporting cblas_sgemm and cblas_dgemm, named by path in NN_BLAS.</summary>
    Custom,
}
