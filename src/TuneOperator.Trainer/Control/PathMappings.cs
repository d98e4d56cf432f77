namespace TuneOperator.Trainer.Control;

/// <summary>
/// Maps paths as a pod sees them (volume mount paths such as <c>/mnt/pvc/data</c>) to where they are on this machine.
/// In a cluster the mapping is empty: the kubelet mounts volumes at their paths. When pods run as local processes (the
/// local pod runner, `tune run`), the runner passes <c>Trainer:PathMap</c> = <c>/mnt/pvc/data=/tmp/x/data;...</c> and
/// every path the trainer opens goes through <see cref="Map"/>. The longest matching mount path wins.
/// </summary>
public sealed class PathMappings
{
    private readonly IReadOnlyList<(string MountPath, string LocalPath)> mappings;

    private PathMappings(IReadOnlyList<(string MountPath, string LocalPath)> mappings) => this.mappings = mappings;

    /// <summary>No mapping: paths are used as they are.</summary>
    public static PathMappings None { get; } = new([]);

    /// <summary>The mappings, longest mount path first.</summary>
    public IReadOnlyList<(string MountPath, string LocalPath)> Entries => mappings;

    /// <summary>Parses <c>mountPath=localPath</c> pairs separated by ';'.</summary>
    /// <exception cref="FormatException">An entry is not an absolute mount path and a local path joined by '='.</exception>
    public static PathMappings Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var entries = new List<(string, string)>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == entry.Length - 1 || entry[0] != '/')
            {
                throw new FormatException($"Trainer:PathMap entry '{entry}' must look like /mount/path=/local/path.");
            }

            entries.Add((entry[..equals].TrimEnd('/'), entry[(equals + 1)..].TrimEnd('/')));
        }

        return new PathMappings([.. entries.OrderByDescending(e => e.Item1.Length)]);
    }

    /// <summary>The local path of <paramref name="podPath"/>; unmapped paths are returned unchanged.</summary>
    public string Map(string podPath)
    {
        ArgumentNullException.ThrowIfNull(podPath);
        foreach (var (mountPath, localPath) in mappings)
        {
            if (podPath == mountPath)
            {
                return localPath;
            }

            if (podPath.Length > mountPath.Length && podPath.StartsWith(mountPath, StringComparison.Ordinal) && podPath[mountPath.Length] == '/')
            {
                return localPath + podPath[mountPath.Length..];
            }
        }

        return podPath;
    }

    /// <summary>
    /// The inverse of <see cref="Map"/>: the path a pod sees for <paramref name="localPath"/> (the longest matching local
    /// path wins); paths outside every mapping are returned unchanged. What the trainer reports (checkpoint and output
    /// paths) goes through this, so a path handed back to a trainer (resumeFrom) means the same in any pod of the job,
    /// wherever the runner put that pod's folders.
    /// </summary>
    public string ToPodPath(string localPath)
    {
        ArgumentNullException.ThrowIfNull(localPath);
        foreach (var (mountPath, local) in mappings.OrderByDescending(m => m.LocalPath.Length))
        {
            if (localPath == local)
            {
                return mountPath;
            }

            if (localPath.Length > local.Length && localPath.StartsWith(local, StringComparison.Ordinal) && localPath[local.Length] == '/')
            {
                return mountPath + localPath[local.Length..];
            }
        }

        return localPath;
    }
}
