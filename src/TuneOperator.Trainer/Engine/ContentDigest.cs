using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TuneOperator.Api;
using TuneOperator.Trainer.Export;

namespace TuneOperator.Trainer.Engine;

/// <summary>The digests of a run's lineage: model directories, the spec. All are <c>sha256:&lt;hex&gt;</c>.</summary>
public static class ContentDigest
{
    private static readonly string[] Excluded = [CheckpointSpec.DefaultFolderName, ExportDirectory.StagingFolderName, ExportDirectory.PreviousFolderName];

    /// <summary>
    /// The digest of a model directory: SHA-256 over the sorted relative paths of its model files, each followed by the
    /// SHA-256 of its contents, so renaming, adding or changing any of them changes it. The model files are the ones the
    /// export manifest lists (<see cref="ExportManifest.FileName"/>: an output's checkpoints and other kept files are not
    /// the model), or, in a directory no export wrote, every file except a top-level <c>checkpoints</c> folder (the
    /// default checkpoint location under an output) and an interrupted export's staging folders.
    /// </summary>
    public static string OfDirectory(string directory, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(directory);
        var files = ExportDirectory.ReadManifest(root) is { } manifest
            ? manifest.Files.Select(f => f.Path).Order(StringComparer.Ordinal)
            : Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
                .Where(relative => !Excluded.Any(folder => relative.StartsWith(folder + "/", StringComparison.Ordinal)))
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
