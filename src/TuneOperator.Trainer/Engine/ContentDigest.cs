using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TuneOperator.Api;

namespace TuneOperator.Trainer.Engine;

/// <summary>The digests of a run's lineage: model directories, the spec. All are <c>sha256:&lt;hex&gt;</c>.</summary>
public static class ContentDigest
{
    /// <summary>
    /// The digest of every file under <paramref name="directory"/>: SHA-256 over the sorted relative paths, each followed
    /// by the SHA-256 of its contents, so renaming, adding or changing any file changes it. A top-level
    /// <c>checkpoints</c> folder (the default checkpoint location under an output) is not model content and is left out.
    /// </summary>
    public static string OfDirectory(string directory, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(directory);
        var checkpoints = CheckpointSpec.DefaultFolderName + "/";
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(relative => !relative.StartsWith(checkpoints, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var relative in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[] contents;
            using (var stream = File.OpenRead(Path.Combine(root, relative)))
            {
                contents = SHA256.HashData(stream);
            }

            all.AppendData(Encoding.UTF8.GetBytes(relative + "\n"));
            all.AppendData(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(contents) + "\n"));
        }

        return "sha256:" + Convert.ToHexStringLower(all.GetHashAndReset());
    }

    /// <summary>The digest of <paramref name="text"/> as UTF-8.</summary>
    public static string OfText(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>The hash of the spec's canonical JSON (the API serializer's property order, defaults filled in).</summary>
    public static string OfSpec(FineTuneJobSpec spec) => OfText(JsonSerializer.Serialize(spec, ApiJson.Options));

    /// <summary>The digest of a model initialised from sizes: its config and seed, and the tokenizer's files.</summary>
    public static string OfInit(string configJson, long seed, string tokenizerDigest)
        => OfText(string.Create(CultureInfo.InvariantCulture, $"init\n{configJson}\nseed={seed}\ntokenizer={tokenizerDigest}"));
}
