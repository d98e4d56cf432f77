using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace TuneOperator.Data.Datasets;

/// <summary>
/// The lineage digest of a dataset: SHA-256 over every file's bytes (the training then validation files of each
/// source, then the shared validation files; counted and length-prefixed) and the options as JSON with file paths left out, so moving files keeps the digest and any
/// change of content or preprocessing changes it.
/// </summary>
public static class DatasetDigest
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Computes the digest as <c>sha256:</c> and 64 lower-case hex digits.</summary>
    public static string Compute(DataOptions options, CancellationToken cancellationToken = default)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        foreach (var location in options.Sources.SelectMany(s => new[] { s.Path, s.Validation }).Append(options.Validation))
        {
            var files = location is null ? [] : DatasetFiles.Resolve(location);
            AppendNumber(hash, files.Count);
            foreach (var file in files)
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, buffer.Length, FileOptions.SequentialScan);
                AppendNumber(hash, stream.Length);
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    hash.AppendData(buffer, 0, read);
                }
            }
        }

        var withoutPaths = options with
        {
            Sources = [.. options.Sources.Select(s => s with { Path = string.Empty, Name = s.DisplayName, Validation = s.Validation is null ? null : string.Empty })],
            Validation = options.Validation is null ? null : string.Empty,
        };
        hash.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(withoutPaths, Json)));
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void AppendNumber(IncrementalHash hash, long value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        hash.AppendData(bytes);
    }
}
