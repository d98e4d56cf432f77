using System.Globalization;
using System.Text.Json;

namespace TuneOperator.Trainer.Checkpoints;

/// <summary>
/// Checkpoint directories under one root: <c>checkpoint-00000042</c> for step 42. A checkpoint is written into a
/// <c>.tmp-…</c> directory, its manifest last, and only then renamed into place, so a crash leaves at most a
/// temporary directory, which is never taken for a checkpoint. <see cref="CompleteInterruptedSaves"/> finishes a save
/// that crashed after its manifest was written, and puts back a checkpoint that was being replaced.
/// </summary>
public sealed class CheckpointStore
{
    /// <summary>The prefix of complete checkpoint directories.</summary>
    public const string DirectoryPrefix = "checkpoint-";

    /// <summary>The prefix of directories being written.</summary>
    public const string TemporaryPrefix = ".tmp-";

    /// <summary>The prefix of a checkpoint being replaced by a new one of the same step (removed once the new one is in place).</summary>
    public const string RetiredPrefix = TemporaryPrefix + "retired-";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly TimeProvider timeProvider;

    /// <summary>Creates a store rooted at <paramref name="root"/> (created when missing).</summary>
    public CheckpointStore(string root, TimeProvider? timeProvider = null)
    {
        if (string.IsNullOrWhiteSpace(root))
        {
            throw new ArgumentException("checkpoint.location must name a directory.", nameof(root));
        }

        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
        this.timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The root directory.</summary>
    public string Root { get; }

    /// <summary>The directory of the checkpoint of <paramref name="step"/>.</summary>
    public string PathOf(int step) => Path.Combine(Root, DirectoryPrefix + step.ToString("D8", CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes a checkpoint: <paramref name="writeContents"/> fills a temporary directory, the manifest with every
    /// file's size and SHA-256 is written last, and the directory is renamed into place (replacing an older
    /// checkpoint of the same step).
    /// </summary>
    public CheckpointInfo Save(int step, Action<string> writeContents, string? metricName = null, double? metricValue = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var temporary = Path.Combine(Root, $"{TemporaryPrefix}{DirectoryPrefix}{step:D8}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            writeContents(temporary);
            var files = Directory.EnumerateFiles(temporary, "*", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(temporary, file).Replace(Path.DirectorySeparatorChar, '/'))
                .Where(relative => relative != CheckpointManifest.FileName)
                .Order(StringComparer.Ordinal)
                .Select(relative => Describe(temporary, relative))
                .ToList();
            var manifest = new CheckpointManifest(CheckpointManifest.CurrentFormatVersion, step, timeProvider.GetUtcNow(), metricName, metricValue, files);
            using (var stream = new FileStream(Path.Combine(temporary, CheckpointManifest.FileName), FileMode.CreateNew, FileAccess.Write))
            {
                JsonSerializer.Serialize(stream, manifest, JsonOptions);
                stream.Flush(flushToDisk: true);
            }

            var final = PathOf(step);
            if (Directory.Exists(final))
            {
                var retired = Path.Combine(Root, $"{RetiredPrefix}{step:D8}-{Guid.NewGuid():N}");
                Directory.Move(final, retired);
                Directory.Move(temporary, final);
                Directory.Delete(retired, recursive: true);
            }
            else
            {
                Directory.Move(temporary, final);
            }

            return Info(final, manifest);
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw;
        }
    }

    /// <summary>
    /// The checkpoints whose manifest is complete and whose files exist with the recorded sizes, oldest first
    /// (digests are checked by <see cref="Verify"/>).
    /// </summary>
    public IReadOnlyList<CheckpointInfo> List()
    {
        var result = new List<CheckpointInfo>();
        foreach (var directory in Directory.EnumerateDirectories(Root, DirectoryPrefix + "*"))
        {
            var (manifest, _) = ReadManifest(directory);
            if (manifest is not null && manifest.Files.All(f => SizeMatches(directory, f)))
            {
                result.Add(Info(directory, manifest));
            }
        }

        return result.OrderBy(c => c.Step).ToList();
    }

    /// <summary>Checks a checkpoint directory completely: manifest, step, every file's size and SHA-256.</summary>
    public CheckpointVerification Verify(string directory)
    {
        var (manifest, problem) = ReadManifest(directory);
        if (manifest is null)
        {
            return new CheckpointVerification(null, problem);
        }

        foreach (var file in manifest.Files)
        {
            var path = Path.Combine(directory, file.Path);
            if (!File.Exists(path))
            {
                return new CheckpointVerification(null, $"{directory}: {file.Path} is listed in the manifest but missing.");
            }

            var actual = Describe(directory, file.Path);
            if (actual.Size != file.Size)
            {
                return new CheckpointVerification(null, $"{directory}: {file.Path} has {actual.Size} bytes, the manifest records {file.Size}.");
            }

            if (!Sha256Digest.TryNormalize(file.Sha256, out var recorded))
            {
                return new CheckpointVerification(null, $"{directory}: the manifest records '{file.Sha256}' as the digest of {file.Path}, which is not a SHA-256 digest (sha256:<64 hex digits>).");
            }

            if (!string.Equals(actual.Sha256, recorded, StringComparison.Ordinal))
            {
                return new CheckpointVerification(null, $"{directory}: {file.Path} has {actual.Sha256}, the manifest records {recorded}; the file is corrupted.");
            }
        }

        return new CheckpointVerification(Info(directory, manifest), null);
    }

    /// <summary>The newest checkpoint that verifies completely, or null when there is none.</summary>
    public CheckpointInfo? FindLatest()
    {
        foreach (var candidate in List().Reverse())
        {
            var verification = Verify(candidate.Path);
            if (verification.IsValid)
            {
                return verification.Checkpoint;
            }
        }

        return null;
    }

    /// <summary>
    /// Deletes all but the newest <paramref name="keepLast"/> checkpoints, never the one of
    /// <paramref name="protectedStep"/> (the best checkpoint).
    /// </summary>
    /// <returns>The steps deleted.</returns>
    public IReadOnlyList<int> Prune(int keepLast, int? protectedStep)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keepLast);
        var all = List();
        var deleted = new List<int>();
        foreach (var checkpoint in all.Take(Math.Max(0, all.Count - keepLast)))
        {
            if (checkpoint.Step == protectedStep)
            {
                continue;
            }

            Directory.Delete(checkpoint.Path, recursive: true);
            deleted.Add(checkpoint.Step);
        }

        return deleted;
    }

    /// <summary>
    /// Finishes saves a crash interrupted (call when no write is in progress): a temporary directory whose manifest is
    /// complete and whose files have the recorded sizes is renamed into place when its step has no checkpoint, and a
    /// checkpoint that was being replaced is put back when its replacement never arrived (or removed when it did).
    /// Nothing that could be the only copy of a checkpoint is deleted.
    /// </summary>
    /// <returns>The steps whose checkpoint was put in place.</returns>
    public IReadOnlyList<int> CompleteInterruptedSaves()
    {
        var restored = new List<int>();
        var pending = TemporaryPrefix + DirectoryPrefix;
        foreach (var directory in Directory.EnumerateDirectories(Root, pending + "*").Order(StringComparer.Ordinal))
        {
            if (StepOf(directory, pending) is not { } step || Directory.Exists(PathOf(step)))
            {
                continue;
            }

            var (manifest, _) = ReadManifest(directory, step);
            if (manifest is not null && manifest.Files.All(f => SizeMatches(directory, f)))
            {
                Directory.Move(directory, PathOf(step));
                restored.Add(step);
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(Root, RetiredPrefix + "*").Order(StringComparer.Ordinal))
        {
            if (StepOf(directory, RetiredPrefix) is not { } step)
            {
                continue;
            }

            if (Directory.Exists(PathOf(step)))
            {
                // The replacement is in place: the retired copy is what the save meant to remove.
                Directory.Delete(directory, recursive: true);
            }
            else
            {
                Directory.Move(directory, PathOf(step));
                restored.Add(step);
            }
        }

        return restored;
    }

    /// <summary>
    /// Finishes interrupted saves (<see cref="CompleteInterruptedSaves"/>), then deletes the temporary directories that
    /// are left: writes that never completed (call when no write is in progress).
    /// </summary>
    /// <returns>The number of directories deleted.</returns>
    public int DeleteIncomplete()
    {
        CompleteInterruptedSaves();
        var count = 0;
        foreach (var directory in Directory.EnumerateDirectories(Root, TemporaryPrefix + "*"))
        {
            Directory.Delete(directory, recursive: true);
            count++;
        }

        return count;
    }

    private static CheckpointFile Describe(string directory, string relative)
    {
        using var stream = File.OpenRead(Path.Combine(directory, relative));
        var digest = Sha256Digest.Of(stream);
        return new CheckpointFile(relative, stream.Length, digest);
    }

    private static bool SizeMatches(string directory, CheckpointFile file)
    {
        var info = new FileInfo(Path.Combine(directory, file.Path));
        return info.Exists && info.Length == file.Size;
    }

    private static int? StepOf(string directory, string prefix)
    {
        var name = Path.GetFileName(directory);
        return name.Length >= prefix.Length + 8
            && int.TryParse(name.AsSpan(prefix.Length, 8), NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;
    }

    private static (CheckpointManifest? Manifest, string? Problem) ReadManifest(string directory) => ReadManifest(directory, expectedStep: null);

    // expectedStep: the step a temporary directory's name records; null takes it from the checkpoint directory's name.
    private static (CheckpointManifest? Manifest, string? Problem) ReadManifest(string directory, int? expectedStep)
    {
        var path = Path.Combine(directory, CheckpointManifest.FileName);
        if (!File.Exists(path))
        {
            return (null, $"{directory}: no {CheckpointManifest.FileName}; the checkpoint was never completed.");
        }

        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(path), JsonOptions);
        }
        catch (JsonException exception)
        {
            return (null, $"{directory}: {CheckpointManifest.FileName} is not valid JSON ({exception.Message}).");
        }

        if (manifest is null || manifest.Files is null || manifest.FormatVersion is < CheckpointManifest.FirstFormatVersion or > CheckpointManifest.CurrentFormatVersion)
        {
            return (null, $"{directory}: {CheckpointManifest.FileName} is incomplete or of an unknown format version.");
        }

        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        if (expectedStep is { } expected ? manifest.Step != expected : name != DirectoryPrefix + manifest.Step.ToString("D8", CultureInfo.InvariantCulture))
        {
            return (null, $"{directory}: the manifest records step {manifest.Step}, which does not match the directory name.");
        }

        if (manifest.Files.Any(f => f.Path.Contains("..", StringComparison.Ordinal) || Path.IsPathRooted(f.Path)))
        {
            return (null, $"{directory}: the manifest lists a path outside the checkpoint.");
        }

        return (manifest, null);
    }

    private static CheckpointInfo Info(string directory, CheckpointManifest manifest)
    {
        using var stream = File.OpenRead(Path.Combine(directory, CheckpointManifest.FileName));
        var digest = Sha256Digest.Of(stream);
        return new CheckpointInfo(manifest.Step, directory, digest, manifest.CreatedAt, manifest.MetricName, manifest.MetricValue);
    }
}
