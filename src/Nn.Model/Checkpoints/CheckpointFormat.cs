using System.Security.Cryptography;

namespace Nn.Checkpoints;

/// <summary>
/// Nn's checkpoint layout, version 1, little-endian:
/// <code>
/// offset  size  field
///      0     8  magic "NNCKPT\r\n" (the CR LF catches text-mode transfers)
///      8     2  format version (1)
///     10     1  element size: 4 (float parameters) or 8 (double)
///     11     1  flags: bit 0 = a training state follows the model
///     12     8  payload length L
///     20     L  payload: model (architecture, preprocessing, class names, summary, provenance, parameters),
///               then the training state if flagged (optimizer, loss, L2, its moments, schedule position,
///               shuffle seed, epoch, early-stopping bookkeeping, history)
///   20+L    32  SHA-256 of bytes [0, 20+L)
/// </code>
/// Every count in the payload is checked against the bytes that remain before anything is allocated.
/// </summary>
internal static class CheckpointFormat
{
    public static ReadOnlySpan<byte> Magic => "NNCKPT\r\n"u8;

    public const ushort Version = 1;
    public const int HeaderSize = 20;
    public const int ChecksumSize = SHA256.HashSizeInBytes;
    public const byte HasTrainingState = 1;

    /// <summary>Upper bound on any stored string (names, summaries), in UTF-8 bytes.</summary>
    public const int MaxStringBytes = 1 << 16;

    // Activation codes as stored; fixed forever, independent of the in-memory enum's order.
    public static byte Code(ActivationKind kind) => kind switch
    {
        ActivationKind.Identity => 0,
        ActivationKind.Step => 1,
        ActivationKind.Sigmoid => 2,
        ActivationKind.Tanh => 3,
        ActivationKind.Relu => 4,
        ActivationKind.LeakyRelu => 5,
        ActivationKind.Softmax => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No checkpoint code for this activation."),
    };

    public static Activation ActivationFor(byte code, double slope) => code switch
    {
        0 => new Identity(),
        1 => new Step(),
        2 => new Sigmoid(),
        3 => new Tanh(),
        4 => new Relu(),
        5 => new LeakyRelu(slope),
        6 => new Softmax(),
        _ => throw new FormatException($"unknown activation code {code}"),
    };
}
