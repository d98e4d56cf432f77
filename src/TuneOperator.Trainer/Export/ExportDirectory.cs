using System.Text.Json;
using System.Text.RegularExpressions;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Checkpoints;

namespace TuneOperator.Trainer.Export;

/// <summary>
/// Publishes an export into an output directory that may hold other things — checkpoints (the default
/// <c>&lt;output&gt;/checkpoints</c>, or any <c>checkpoint.location</c> inside the output), a user's notes — and replaces
/// only the files an export owns (<see cref="IsOwned"/>): the model, adapter, tokenizer and config files and
/// <see cref="ExportManifest.FileName"/>. Everything else in the directory is left as it is.
/// </summary>
/// <remarks>
/// The files are written into <see cref="StagingFolderName"/> inside the output (the same file system, so every move
/// is a rename), each flushed to disk, and <see cref="ExportManifest.FileName"/> last: a staging folder with a
/// manifest is complete. The swap then moves every owned file of the previous export into
/// <see cref="PreviousFolderName"/>, then the new files into the output, the manifest last, and finally deletes both
/// folders. A reader never sees a partly written file, nor old and new files mixed (only, during the swap, a model
/// with files missing). A crash at any point leaves the old or the new export plus folders that
/// <see cref="Recover"/> resolves the same way every time: a staging folder without a manifest is discarded (the old
/// export stands), one with a manifest is swapped in (the new export stands). It also resolves the sibling
/// <c>.&lt;name&gt;.tmp-*</c> and <c>.&lt;name&gt;.old-*</c> folders an earlier version's whole-directory swap left,
/// moving checkpoints and other files it had carried along back into the output.
/// </remarks>
public static partial class ExportDirectory
{
    /// <summary>The folder inside the output where a new export is written before it is swapped in.</summary>
    public const string StagingFolderName = ".export-staging";

    /// <summary>The folder inside the output that holds the previous export's files during a swap.</summary>
    public const string PreviousFolderName = ".export-previous";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private static readonly HashSet<string> OwnedNames = new(StringComparer.Ordinal)
    {
        ModelConfig.FileName,
        SafetensorsCheckpoint.SingleFileName,
        SafetensorsCheckpoint.IndexFileName,
        ModelExporter.AdapterConfigFileName,
        ModelExporter.AdapterWeightsFileName,
        ExportManifest.FileName,
    };

    /// <summary>
    /// Whether a top-level file of that name belongs to an export: config.json, model.safetensors, its shards and
    /// index, the adapter's files, the tokenizer and generation files, and the export manifest. An export replaces or
    /// removes these (so no file of an earlier export of another format stays beside the new one) and nothing else.
    /// </summary>
    public static bool IsOwned(string name) =>
        OwnedNames.Contains(name) || ModelExporter.TokenizerFiles.Contains(name, StringComparer.Ordinal) || ShardName().IsMatch(name);

    /// <summary>
    /// Writes an export into <paramref name="directory"/> (created when missing): <paramref name="write"/> fills an
    /// empty staging folder with files of owned names, the manifest is added, and the files are swapped in. An export
    /// an earlier crash interrupted is recovered first. When <paramref name="write"/> fails, the staging folder is
    /// removed and the directory is as it was.
    /// </summary>
    /// <param name="directory">The output directory.</param>
    /// <param name="format">What is exported, recorded in the manifest (<c>merged</c> or <c>adapter</c>).</param>
    /// <param name="write">Writes the export's files (top-level, owned names only) into the folder it is given.</param>
    /// <returns>The manifest of the export now in place.</returns>
    public static ExportManifest Write(string directory, string format, Action<string> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var target = Path.GetFullPath(directory);
        // Before the directory is created: a missing output is how an interrupted earlier swap is recognised.
        Recover(target);
        Directory.CreateDirectory(target);
        var staging = Path.Combine(target, StagingFolderName);
        Directory.CreateDirectory(staging);
        ExportManifest manifest;
        try
        {
            write(staging);
            if (Directory.EnumerateDirectories(staging).FirstOrDefault() is { } folder)
            {
                throw new InvalidOperationException($"The export wrote a folder, '{Path.GetFileName(folder)}'; an export is a flat set of files.");
            }

            var files = new List<CheckpointFile>();
            foreach (var path in Directory.EnumerateFiles(staging).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(path);
                if (!IsOwned(name) || name == ExportManifest.FileName)
                {
                    throw new InvalidOperationException($"The export wrote '{name}', which is not a model, adapter or tokenizer file an export owns.");
                }

                files.Add(Describe(path));
            }

            manifest = new ExportManifest(ExportManifest.CurrentFormatVersion, format, files);
            using var stream = new FileStream(Path.Combine(staging, ExportManifest.FileName), FileMode.CreateNew, FileAccess.Write);
            JsonSerializer.Serialize(stream, manifest, JsonOptions);
            stream.Flush(flushToDisk: true);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }

        Swap(target, staging, manifest, previousMoved: false);
        return manifest;
    }

    /// <summary>
    /// The manifest of the export in <paramref name="directory"/>, or null when there is none (a directory no export of
    /// this version wrote) or it cannot be read.
    /// </summary>
    public static ExportManifest? ReadManifest(string directory)
    {
        var path = Path.Combine(directory, ExportManifest.FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var manifest = JsonSerializer.Deserialize<ExportManifest>(File.ReadAllBytes(path), JsonOptions);
            return manifest?.Files is { } files && manifest.FormatVersion == ExportManifest.CurrentFormatVersion
                && files.All(f => f is not null && IsOwned(f.Path) && f.Path != ExportManifest.FileName)
                ? manifest
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Resolves an export a crash interrupted, the same way every time (call before anything reads or writes the output):
    /// a complete staged export is swapped in, an incomplete one discarded, and leftovers of an earlier version's swap
    /// (sibling <c>.&lt;name&gt;.tmp-*</c> / <c>.&lt;name&gt;.old-*</c> folders) give back the checkpoints and other files
    /// they carried. Only export files are ever deleted; a leftover that still holds anything else is kept.
    /// </summary>
    /// <param name="directory">The output directory.</param>
    public static ExportRecovery Recover(string directory)
    {
        var target = Path.GetFullPath(directory);
        var actions = new List<string>();
        var leftInPlace = new List<string>();
        RecoverLegacy(target, actions, leftInPlace);
        var staging = Path.Combine(target, StagingFolderName);
        if (Directory.Exists(staging))
        {
            if (!Directory.EnumerateFileSystemEntries(staging).Any())
            {
                // Every file, the manifest last, had moved in: only the clean-up was left.
                Directory.Delete(staging);
                actions.Add($"removed the empty {staging} of an export that had finished moving into place");
            }
            else if (ReadManifest(staging) is { } manifest)
            {
                // Once a new file has moved in, every owned file still in the output is a new one.
                var previousMoved = manifest.Files.Any(f => !File.Exists(Path.Combine(staging, f.Path)));
                Swap(target, staging, manifest, previousMoved);
                actions.Add($"finished the interrupted export into {target}: the new {manifest.Format} export is in place");
            }
            else
            {
                Directory.Delete(staging, recursive: true);
                actions.Add($"discarded the incomplete export staged in {staging}: the previous export stays");
            }
        }

        var previous = Path.Combine(target, PreviousFolderName);
        if (Directory.Exists(previous))
        {
            // Only the previous export's files are ever moved there, and the new export is complete in the output.
            Directory.Delete(previous, recursive: true);
            actions.Add($"removed the replaced export's files from {previous}");
        }

        return new ExportRecovery(actions, leftInPlace);
    }

    // previousMoved: the previous export's files are all out of the output already.
    private static void Swap(string target, string staging, ExportManifest manifest, bool previousMoved)
    {
        var previous = Path.Combine(target, PreviousFolderName);
        if (!previousMoved)
        {
            Directory.CreateDirectory(previous);
            foreach (var path in Directory.EnumerateFiles(target).Where(path => IsOwned(Path.GetFileName(path))).ToList())
            {
                File.Move(path, Path.Combine(previous, Path.GetFileName(path)), overwrite: true);
            }
        }

        foreach (var name in manifest.Files.Select(f => f.Path).Append(ExportManifest.FileName))
        {
            var source = Path.Combine(staging, name);
            if (File.Exists(source))
            {
                File.Move(source, Path.Combine(target, name), overwrite: true);
            }
        }

        Directory.Delete(staging, recursive: true);
        if (Directory.Exists(previous))
        {
            Directory.Delete(previous, recursive: true);
        }
    }

    // An earlier version replaced the whole output: it wrote ".<name>.tmp-<id>" beside it, moved the "checkpoints"
    // folder into it, renamed the output to ".<name>.old-<id>", renamed the new folder into place and deleted the old
    // one. When the output is missing, the old folder goes back (the swap is rolled back); then every leftover gives
    // back what is not an export file — checkpoints, a user's files — and loses its export files.
    private static void RecoverLegacy(string target, List<string> actions, List<string> leftInPlace)
    {
        var parent = Path.GetDirectoryName(target);
        var name = Path.GetFileName(target);
        if (parent is null || name.Length == 0 || !Directory.Exists(parent))
        {
            return;
        }

        var temporary = Directory.EnumerateDirectories(parent, $".{name}.tmp-*").Order(StringComparer.Ordinal).ToList();
        var old = Directory.EnumerateDirectories(parent, $".{name}.old-*").Order(StringComparer.Ordinal).ToList();
        if (temporary.Count == 0 && old.Count == 0)
        {
            return;
        }

        // The output holds no export (it is missing, or was created again empty): the swap stopped between its renames.
        if (old.Count > 0 && !(Directory.Exists(target) && Directory.EnumerateFiles(target).Any(file => IsOwned(Path.GetFileName(file)))))
        {
            var previous = old[0];
            if (Directory.Exists(target))
            {
                MergeInto(previous, target);
            }
            else
            {
                Directory.Move(previous, target);
                old.RemoveAt(0);
            }

            actions.Add($"moved the previous output back from {previous} into {target} (the interrupted swap is rolled back)");
        }

        Directory.CreateDirectory(target);
        foreach (var leftover in temporary.Concat(old))
        {
            foreach (var file in Directory.EnumerateFiles(leftover).Where(file => IsOwned(Path.GetFileName(file))))
            {
                File.Delete(file);
            }

            var moved = MergeInto(leftover, target);
            if (moved > 0)
            {
                actions.Add($"moved {moved} entries (checkpoints and other kept files) from {leftover} back into {target}");
            }

            if (Directory.EnumerateFileSystemEntries(leftover).Any())
            {
                leftInPlace.Add(leftover);
            }
            else
            {
                Directory.Delete(leftover);
                actions.Add($"removed {leftover}, which held only export files of the interrupted swap");
            }
        }
    }

    // Moves every entry of source that destination lacks into destination, folders merged entry by entry; an entry
    // whose name destination already has as a file stays where it is.
    private static int MergeInto(string source, string destination)
    {
        var moved = 0;
        foreach (var entry in Directory.EnumerateFileSystemEntries(source).Order(StringComparer.Ordinal).ToList())
        {
            var into = Path.Combine(destination, Path.GetFileName(entry));
            var isFolder = Directory.Exists(entry);
            if (!File.Exists(into) && !Directory.Exists(into))
            {
                if (isFolder)
                {
                    Directory.Move(entry, into);
                }
                else
                {
                    File.Move(entry, into);
                }

                moved++;
            }
            else if (isFolder && Directory.Exists(into))
            {
                moved += MergeInto(entry, into);
                if (!Directory.EnumerateFileSystemEntries(entry).Any())
                {
                    Directory.Delete(entry);
                }
            }
        }

        return moved;
    }

    private static CheckpointFile Describe(string path)
    {
        // Opened for writing only to flush the file to disk before the manifest that declares it complete.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var digest = Sha256Digest.Of(stream);
        stream.Flush(flushToDisk: true);
        return new CheckpointFile(Path.GetFileName(path), stream.Length, digest);
    }

    [GeneratedRegex(@"^model-\d+-of-\d+\.safetensors$", RegexOptions.CultureInvariant)]
    private static partial Regex ShardName();
}
