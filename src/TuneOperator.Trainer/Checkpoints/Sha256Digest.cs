using System.Security.Cryptography;

namespace TuneOperator.Trainer.Checkpoints;

/// <summary>
/// SHA-256 digests in the form the status, the manifests and the events carry: <c>sha256:</c> and 64 lower-case hex
/// digits. Plain hex, as written by earlier versions, is still read.
/// </summary>
public static class Sha256Digest
{
    /// <summary>The algorithm prefix of every digest.</summary>
    public const string Prefix = "sha256:";

    /// <summary>The digest of <paramref name="stream"/>'s remaining contents.</summary>
    public static string Of(Stream stream) => Prefix + Convert.ToHexStringLower(SHA256.HashData(stream));

    /// <summary>The digest of <paramref name="bytes"/>.</summary>
    public static string Of(ReadOnlySpan<byte> bytes) => Prefix + Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Reads <paramref name="value"/> as <c>sha256:&lt;hex&gt;</c> or as plain hex (64 digits, any case) and gives it
    /// in the canonical form; false when it is neither.
    /// </summary>
    public static bool TryNormalize(string? value, out string digest)
    {
        digest = string.Empty;
        if (value is null)
        {
            return false;
        }

        var hex = value.StartsWith(Prefix, StringComparison.Ordinal) ? value[Prefix.Length..] : value;
        if (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        digest = Prefix + hex.ToLowerInvariant();
        return true;
    }
}
